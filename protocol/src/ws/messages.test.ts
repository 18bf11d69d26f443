import { describe, expect, expectTypeOf, it } from 'vitest';
import { ClientMessage, type ClientMessageType } from './client-messages.js';
import { ServerMessage, type ServerMessageType } from './server-messages.js';

describe('ClientMessage', () => {
  const valid: Record<ClientMessageType, unknown> = {
    hello: { type: 'hello', protocolVersion: 1, lastSeq: 4, daemonId: 'd1' },
    'job.cancel': { type: 'job.cancel', jobId: 'jb_1', id: 'r1' },
    'slide.subscribe': { type: 'slide.subscribe', slideIds: ['sl_1'] },
    'patch.hold': {
      type: 'patch.hold',
      slideId: 'sl_1',
      region: { x: 0, y: 512, width: 512, height: 512 },
      holder: 'tab-0001',
    },
    'patch.release': { type: 'patch.release' },
    'slide.viewport': { type: 'slide.viewport', slideId: 'sl_1', region: { x: 0, y: 512, width: 1024, height: 768 } },
  };
  it.each(Object.entries(valid))('%s parses', (type, msg) => {
    const parsed = ClientMessage.parse(msg);
    expect(parsed.type).toBe(type);
  });

  it('rejects unknown types and bad fields with issues', () => {
    const unknown = ClientMessage.safeParse({ type: 'slide.delete', slideId: 'x' });
    expect(unknown.success).toBe(false);
    expect(unknown.error?.issues[0]?.path).toEqual(['type']);
    const hello = ClientMessage.safeParse({ type: 'hello', protocolVersion: 0, lastSeq: -1 });
    expect(hello.error?.issues.map((i) => i.path.join('.'))).toEqual(['protocolVersion', 'lastSeq']);
    const cancel = ClientMessage.safeParse({ type: 'job.cancel', jobId: '../x' });
    expect(cancel.error?.issues[0]?.path).toEqual(['jobId']);
    expect(ClientMessage.safeParse('hello').success).toBe(false);
    const hold = ClientMessage.safeParse({
      type: 'patch.hold',
      slideId: 'sl_1',
      region: { x: 0, y: 0, width: 0, height: 1 },
      holder: 'tab/0001',
    });
    expect(hold.error?.issues.map((i) => i.path.join('.'))).toEqual(['region.width', 'holder']);
    const viewport = ClientMessage.safeParse({
      type: 'slide.viewport',
      slideId: 'sl_1',
      region: { x: -1, y: 0, width: 0, height: 5 },
    });
    expect(viewport.error?.issues.map((i) => i.path.join('.'))).toEqual(['region.x', 'region.width']);
  });

  it('narrows on type', () => {
    const m = ClientMessage.parse(valid['job.cancel']);
    if (m.type === 'job.cancel') expectTypeOf(m.jobId).toEqualTypeOf<string>();
  });
});

describe('ServerMessage', () => {
  const valid: Record<ServerMessageType, unknown> = {
    welcome: { type: 'welcome', seq: 0, protocolVersion: 1, daemonId: 'd', backend: 'none', modelVersion: 0 },
    'job.progress': {
      type: 'job.progress',
      seq: 1,
      jobId: 'jb_1',
      kind: 'train',
      done: 1,
      total: 10,
      etaMs: 500,
      detail: { epoch: 1, loss: 0.3, valDice: 0.8 },
    },
    'job.state': { type: 'job.state', seq: 2, jobId: 'jb_1', kind: 'train', state: 'done', modelVersion: 2 },
    'tiles.updated': {
      type: 'tiles.updated',
      seq: 3,
      slideId: 'sl_1',
      layer: 'uncertainty',
      modelVersion: 2,
      tiles: [{ level: 10, col: 0, row: 1 }],
    },
    'suggestions.updated': { type: 'suggestions.updated', seq: 4, slideId: 'sl_1', modelVersion: 2 },
    'slide.removed': { type: 'slide.removed', seq: 5, slideId: 'sl_1' },
    error: { type: 'error', seq: 4, code: 'BAD_MESSAGE', message: 'bad', replyTo: 'r1' },
    resync: { type: 'resync', seq: 4 },
    'slide.added': {
      type: 'slide.added',
      seq: 6,
      slide: { id: 'sl_2', name: 'b', width: 9, height: 9, tileSize: 256, levels: 5, format: 'png', createdAt: 'now' },
    },
    'annotation.saved': { type: 'annotation.saved', seq: 7, slideId: 'sl_1', annotationId: 'an_2', supersedes: 'an_1' },
    'annotation.deleted': {
      type: 'annotation.deleted',
      seq: 8,
      slideId: 'sl_1',
      annotationId: 'an_2',
      deletedVersions: ['an_1', 'an_2'],
    },
    'model.added': { type: 'model.added', seq: 9, modelVersion: 3 },
    'patch.holds': {
      type: 'patch.holds',
      seq: 9,
      slideId: 'sl_1',
      holds: [{ holder: 'tab-0001', region: { x: 0, y: 0, width: 512, height: 512 }, since: 'now' }],
    },
    'model.current': { type: 'model.current', seq: 10, modelVersion: 1, previous: 2 },
  };
  it.each(Object.entries(valid))('%s parses', (type, msg) => {
    expect(ServerMessage.parse(msg).type).toBe(type);
  });

  it('requires seq on every message', () => {
    for (const msg of Object.values(valid)) {
      const { seq: _seq, ...rest } = msg as { seq: number };
      const r = ServerMessage.safeParse(rest);
      expect(r.success).toBe(false);
      expect(r.error?.issues.some((i) => i.path[0] === 'seq')).toBe(true);
    }
  });

  it('tiles.updated needs tiles or bbox; bbox form parses', () => {
    const base = { type: 'tiles.updated', seq: 1, slideId: 's', layer: 'prediction', modelVersion: 1 };
    const none = ServerMessage.safeParse(base);
    expect(none.success).toBe(false);
    expect(none.error?.issues[0]?.message).toBe('tiles or bbox is required');
    expect(ServerMessage.safeParse({ ...base, bbox: { x: 0, y: 0, width: 512, height: 512 } }).success).toBe(true);
  });

  it('rejects an unknown error code', () => {
    const r = ServerMessage.safeParse({ type: 'error', seq: 1, code: 'OOPS', message: '' });
    expect(r.error?.issues[0]?.path).toEqual(['code']);
  });
});
