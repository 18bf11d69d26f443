import { ClientMessage, type ErrorCode, PROTOCOL_VERSION, RequestId } from '@activeseg/protocol';
import { ApiError } from '../errors/api-error.js';
import type { ViewerFocus } from '../jobs/viewer-focus.js';
import { createFrameRateLimit } from './frame-rate-limit.js';
import type { Hub, HubSocket } from './hub.js';
import type { PatchHolds } from './patch-holds.js';

export interface ClientSocket extends HubSocket {
  close(code?: number, reason?: string): void;
}

export interface SocketSessionDeps {
  hub: Hub;
  /** Inbound frames a socket may send per second (sustained, and as a burst); more closes it with RATE_LIMITED. */
  maxInboundFramesPerSecond: number;
  now?: () => number;
  backendName(): string;
  modelVersion(): number;
  cancelJob(jobId: string): void;
  /** After `slide.subscribe`: the job backend runs these slides' pending work first (fire and forget). */
  prioritizeSlides?(slideIds: readonly string[]): void;
  /** Who edits which patch; without it `patch.hold` frames are accepted and ignored. */
  holds?: PatchHolds;
  /** Told what this viewer subscribes to and shows (`slide.subscribe`, `slide.viewport`), and when it leaves. */
  focus?: Pick<ViewerFocus, 'subscribe' | 'viewport' | 'drop'>;
}

export interface SocketSession {
  onMessage(data: unknown): void;
  onClose(): void;
}

/** Close code sent after PROTOCOL_MISMATCH: the client must reload, not reconnect. */
export const CLOSE_PROTOCOL_MISMATCH = 4001;
/** RFC 6455 "protocol error": sent after PROTOCOL_VIOLATION (a second hello). */
export const CLOSE_PROTOCOL_ERROR = 1002;
/** RFC 6455 "policy violation": sent after RATE_LIMITED. */
export const CLOSE_POLICY_VIOLATION = 1008;

/**
 * One connected viewer. Every inbound frame goes through `ClientMessage.safeParse` before anything else
 * looks at it; an invalid frame gets an `error` frame with BAD_MESSAGE and the socket stays open.
 * Broadcasts start only after `hello`, so a client always sees `welcome` first. A second `hello` or more
 * frames than the rate limit allows close the socket, and every frame after that is ignored: each one would
 * otherwise cost a reply (a hello with `lastSeq` costs a whole replay).
 */
export function createSocketSession(socket: ClientSocket, deps: SocketSessionDeps): SocketSession {
  const { hub } = deps;
  let welcomed = false;
  let closed = false;
  const rate = createFrameRateLimit({
    perSecond: deps.maxInboundFramesPerSecond,
    ...(deps.now ? { now: deps.now } : {}),
  });

  const fail = (code: ErrorCode, message: string, replyTo?: string): void =>
    hub.send(socket, { type: 'error', code, message, ...(replyTo === undefined ? {} : { replyTo }) });

  const failAndClose = (
    code: ErrorCode,
    message: string,
    close: { code: number; reason: string },
    replyTo?: string,
  ): void => {
    fail(code, message, replyTo);
    closed = true;
    hub.leave(socket);
    deps.focus?.drop(socket);
    socket.close(close.code, close.reason);
  };

  return {
    onMessage(data) {
      if (closed) return;
      if (!rate.take()) {
        return failAndClose('RATE_LIMITED', `more than ${deps.maxInboundFramesPerSecond} frames per second`, {
          code: CLOSE_POLICY_VIOLATION,
          reason: 'rate limited',
        });
      }
      if (typeof data !== 'string') return fail('BAD_MESSAGE', 'binary frames are not supported');
      let json: unknown;
      try {
        json = JSON.parse(data);
      } catch {
        return fail('BAD_MESSAGE', 'frame is not valid JSON');
      }
      const parsed = ClientMessage.safeParse(json);
      if (!parsed.success) {
        const issues = parsed.error.issues
          .slice(0, 3)
          .map((i) => `${i.path.join('.') || '(frame)'}: ${i.message}`)
          .join('; ');
        // Echo the id only when it is a valid RequestId: an over-long one would make this very error frame
        // break the ServerMessage schema (and a 500 KB id would be sent straight back).
        const id =
          typeof json === 'object' && json !== null && 'id' in json && RequestId.safeParse(json.id).success
            ? (json.id as string)
            : undefined;
        return fail('BAD_MESSAGE', issues, id);
      }
      const msg = parsed.data;
      if (msg.type === 'hello') {
        if (welcomed) {
          return failAndClose(
            'PROTOCOL_VIOLATION',
            'hello was already sent on this socket',
            { code: CLOSE_PROTOCOL_ERROR, reason: 'repeated hello' },
            msg.id,
          );
        }
        if (msg.protocolVersion !== PROTOCOL_VERSION) {
          return failAndClose(
            'PROTOCOL_MISMATCH',
            `daemon speaks protocol ${PROTOCOL_VERSION}, client ${msg.protocolVersion}`,
            { code: CLOSE_PROTOCOL_MISMATCH, reason: 'protocol mismatch' },
            msg.id,
          );
        }
        // welcome → replay → join all happen synchronously, so no broadcast can fall between them.
        hub.send(socket, {
          type: 'welcome',
          protocolVersion: PROTOCOL_VERSION,
          daemonId: hub.daemonId,
          backend: deps.backendName(),
          modelVersion: deps.modelVersion(),
        });
        if (msg.lastSeq !== undefined) hub.replay(socket, msg.lastSeq, msg.daemonId);
        hub.join(socket);
        welcomed = true;
        return;
      }
      if (!welcomed) return fail('BAD_MESSAGE', 'send hello first', msg.id);
      try {
        if (msg.type === 'job.cancel') deps.cancelJob(msg.jobId);
        else if (msg.type === 'patch.hold') {
          deps.holds?.hold(socket, { slideId: msg.slideId, region: msg.region, holder: msg.holder });
        } else if (msg.type === 'patch.release') deps.holds?.release(socket);
        else if (msg.type === 'slide.viewport') deps.focus?.viewport(socket, msg.slideId, msg.region);
        else {
          hub.subscribe(socket, msg.slideIds);
          deps.focus?.subscribe(socket, msg.slideIds);
          deps.prioritizeSlides?.(msg.slideIds);
          // Holds are live state, not replayed: a (re)subscribing page gets the current ones of its slides. Only
          // slides that have any (a page starts from none after `welcome`), so a subscribe costs a reply per held
          // slide, not one per id it names.
          for (const slideId of new Set(msg.slideIds)) {
            const holds = deps.holds?.list(slideId) ?? [];
            if (holds.length > 0) hub.send(socket, { type: 'patch.holds', slideId, holds });
          }
        }
      } catch (err) {
        if (err instanceof ApiError) return fail(err.code, err.message, msg.id);
        return fail('INTERNAL', 'command failed', msg.id);
      }
    },
    onClose() {
      closed = true;
      hub.leave(socket);
      deps.holds?.release(socket);
      deps.focus?.drop(socket);
    },
  };
}
