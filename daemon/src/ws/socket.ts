import { ClientMessage, type ErrorCode, PROTOCOL_VERSION, RequestId } from '@activeseg/protocol';
import { ApiError } from '../errors/api-error.js';
import type { Hub, HubSocket } from './hub.js';

export interface ClientSocket extends HubSocket {
  close(code?: number, reason?: string): void;
}

export interface SocketSessionDeps {
  hub: Hub;
  backendName(): string;
  modelVersion(): number;
  cancelJob(jobId: string): void;
  /** After `slide.subscribe`: the job backend runs these slides' pending work first (fire and forget). */
  prioritizeSlides?(slideIds: readonly string[]): void;
}

export interface SocketSession {
  onMessage(data: unknown): void;
  onClose(): void;
}

/** Close code sent after PROTOCOL_MISMATCH: the client must reload, not reconnect. */
export const CLOSE_PROTOCOL_MISMATCH = 4001;

/**
 * One connected viewer. Every inbound frame goes through `ClientMessage.safeParse` before anything else
 * looks at it; an invalid frame gets an `error` frame with BAD_MESSAGE and the socket stays open.
 * Broadcasts start only after `hello`, so a client always sees `welcome` first.
 */
export function createSocketSession(socket: ClientSocket, deps: SocketSessionDeps): SocketSession {
  const { hub } = deps;
  let welcomed = false;

  const fail = (code: ErrorCode, message: string, replyTo?: string): void =>
    hub.send(socket, { type: 'error', code, message, ...(replyTo === undefined ? {} : { replyTo }) });

  return {
    onMessage(data) {
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
        if (msg.protocolVersion !== PROTOCOL_VERSION) {
          fail(
            'PROTOCOL_MISMATCH',
            `daemon speaks protocol ${PROTOCOL_VERSION}, client ${msg.protocolVersion}`,
            msg.id,
          );
          socket.close(CLOSE_PROTOCOL_MISMATCH, 'protocol mismatch');
          return;
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
        else {
          hub.subscribe(socket, msg.slideIds);
          deps.prioritizeSlides?.(msg.slideIds);
        }
      } catch (err) {
        if (err instanceof ApiError) return fail(err.code, err.message, msg.id);
        return fail('INTERNAL', 'command failed', msg.id);
      }
    },
    onClose() {
      hub.leave(socket);
    },
  };
}
