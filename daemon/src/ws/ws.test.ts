import { ServerMessage } from '@activeseg/protocol';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors/api-error.js';
import { createHub, type Hub } from './hub.js';
import { CLOSE_PROTOCOL_MISMATCH, type ClientSocket, createSocketSession } from './socket.js';

class FakeSocket implements ClientSocket {
  readyState = 1;
  bufferedAmount = 0;
  frames: ServerMessage[] = [];
  closed?: number;
  send(data: string) {
    this.frames.push(ServerMessage.parse(JSON.parse(data)));
  }
  close(code?: number) {
    this.closed = code;
    this.readyState = 3;
  }
  types() {
    return this.frames.map((f) => f.type);
  }
}

const tiles = (slideId = 'sl_1') =>
  ({
    type: 'tiles.updated',
    slideId,
    layer: 'uncertainty',
    modelVersion: 1,
    bbox: { x: 0, y: 0, width: 1, height: 1 },
  }) as const;

const session = (hub: Hub, socket: FakeSocket, cancelJob: (id: string) => void = () => {}) =>
  createSocketSession(socket, { hub, backendName: () => 'fake', modelVersion: () => 3, cancelJob });

describe('hub', () => {
  it('stamps increasing seqs, skips closed sockets and drops tiles.updated under backpressure', () => {
    const hub = createHub({ replayBufferSize: 10, maxBufferedBytes: 100 });
    const a = new FakeSocket();
    const b = new FakeSocket();
    const closed = new FakeSocket();
    closed.readyState = 3;
    for (const s of [a, b, closed]) hub.join(s);
    expect(hub.broadcast(tiles()).seq).toBe(1);
    b.bufferedAmount = 1000;
    hub.broadcast(tiles());
    hub.broadcast({ type: 'job.state', jobId: 'jb_1', kind: 'infer', state: 'running' });
    expect(a.frames.map((f) => f.seq)).toEqual([1, 2, 3]);
    expect(b.frames.map((f) => f.seq)).toEqual([1, 3]);
    expect(closed.frames).toEqual([]);
  });

  it('filters slide-scoped events by subscription', () => {
    const hub = createHub({ replayBufferSize: 10, maxBufferedBytes: 100 });
    const s = new FakeSocket();
    hub.join(s);
    hub.subscribe(s, ['sl_2']);
    hub.broadcast(tiles('sl_1'));
    hub.broadcast(tiles('sl_2'));
    hub.broadcast({ type: 'suggestions.updated', slideId: 'sl_1', modelVersion: 1 });
    expect(s.frames.map((f) => f.seq)).toEqual([2]);
  });
});

describe('socket session', () => {
  it('welcomes, then replays what a reconnecting client missed', () => {
    const hub = createHub({ replayBufferSize: 3, maxBufferedBytes: 100 });
    for (let i = 0; i < 5; i++) hub.broadcast(tiles());
    const s = new FakeSocket();
    session(hub, s).onMessage(
      JSON.stringify({ type: 'hello', protocolVersion: 1, lastSeq: 3, daemonId: hub.daemonId }),
    );
    expect(s.frames[0]).toMatchObject({
      type: 'welcome',
      seq: 5,
      backend: 'fake',
      modelVersion: 3,
      daemonId: hub.daemonId,
    });
    expect(s.frames.slice(1).map((f) => f.seq)).toEqual([4, 5]);
    hub.broadcast(tiles());
    expect(s.frames.at(-1)?.seq).toBe(6);
  });

  it.each([
    ['too old', 1, undefined],
    ['from the future (daemon restarted)', 99, undefined],
    ['from another daemon run', 5, 'other-daemon'],
  ])('sends resync when lastSeq is %s', (_n, lastSeq, daemonId) => {
    const hub = createHub({ replayBufferSize: 3, maxBufferedBytes: 100 });
    for (let i = 0; i < 5; i++) hub.broadcast(tiles());
    const s = new FakeSocket();
    session(hub, s).onMessage(JSON.stringify({ type: 'hello', protocolVersion: 1, lastSeq, daemonId }));
    expect(s.types()).toEqual(['welcome', 'resync']);
  });

  it('answers bad frames with BAD_MESSAGE and keeps the socket open', () => {
    const hub = createHub({ replayBufferSize: 3, maxBufferedBytes: 100 });
    const s = new FakeSocket();
    const sess = session(hub, s);
    sess.onMessage('{not json');
    sess.onMessage(JSON.stringify({ type: 'launch.missiles', id: 'r9' }));
    sess.onMessage(new ArrayBuffer(4));
    sess.onMessage(JSON.stringify({ type: 'job.cancel', jobId: 'jb_1' }));
    expect(s.frames.map((f) => (f.type === 'error' ? f.code : f.type))).toEqual([
      'BAD_MESSAGE',
      'BAD_MESSAGE',
      'BAD_MESSAGE',
      'BAD_MESSAGE',
    ]);
    expect(s.frames[1]).toMatchObject({ replyTo: 'r9' });
    expect(s.closed).toBeUndefined();
  });

  it('closes on a protocol mismatch after saying why', () => {
    const hub = createHub({ replayBufferSize: 3, maxBufferedBytes: 100 });
    const s = new FakeSocket();
    session(hub, s).onMessage(JSON.stringify({ type: 'hello', protocolVersion: 2 }));
    expect(s.frames[0]).toMatchObject({ type: 'error', code: 'PROTOCOL_MISMATCH' });
    expect(s.closed).toBe(CLOSE_PROTOCOL_MISMATCH);
    expect(hub.size()).toBe(0);
  });

  it('dispatches job.cancel and reports its ApiError with replyTo; leaves the hub on close', () => {
    const hub = createHub({ replayBufferSize: 3, maxBufferedBytes: 100 });
    const s = new FakeSocket();
    const cancelled: string[] = [];
    const sess = session(hub, s, (id) => {
      if (id === 'jb_gone') throw new ApiError('JOB_NOT_FOUND', 'no job');
      cancelled.push(id);
    });
    sess.onMessage(JSON.stringify({ type: 'hello', protocolVersion: 1 }));
    sess.onMessage(JSON.stringify({ type: 'job.cancel', jobId: 'jb_1' }));
    sess.onMessage(JSON.stringify({ type: 'job.cancel', jobId: 'jb_gone', id: 'c2' }));
    expect(cancelled).toEqual(['jb_1']);
    expect(s.frames.at(-1)).toMatchObject({ type: 'error', code: 'JOB_NOT_FOUND', replyTo: 'c2' });
    expect(hub.size()).toBe(1);
    sess.onClose();
    expect(hub.size()).toBe(0);
  });
});
