import { type PatchHold, ServerMessage } from '@activeseg/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHub } from './hub.js';
import { createPatchHolds } from './patch-holds.js';
import { type ClientSocket, createSocketSession } from './socket.js';

class FakeSocket implements ClientSocket {
  readyState = 1;
  bufferedAmount = 0;
  frames: ServerMessage[] = [];
  send(data: string) {
    this.frames.push(ServerMessage.parse(JSON.parse(data)));
  }
  close() {
    this.readyState = 3;
  }
  terminate() {
    this.readyState = 3;
  }
  /** The holds of `slideId` in the last `patch.holds` frame this socket got. */
  holds(slideId: string): PatchHold[] | undefined {
    const last = this.frames.filter((f) => f.type === 'patch.holds' && f.slideId === slideId).at(-1);
    return last?.type === 'patch.holds' ? last.holds : undefined;
  }
}

const region = (x: number) => ({ x, y: 0, width: 512, height: 512 });

function setup(timeoutMs = 60_000) {
  const hub = createHub({ replayBufferSize: 16, maxBufferedBytes: 1 << 20 });
  const holds = createPatchHolds({
    timeoutMs,
    onChange: (slideId) => hub.announce({ type: 'patch.holds', slideId, holds: holds.list(slideId) }),
  });
  const connect = () => {
    const socket = new FakeSocket();
    const s = createSocketSession(socket, {
      hub,
      maxInboundFramesPerSecond: 1_000_000,
      backendName: () => 'fake',
      modelVersion: () => 0,
      cancelJob: () => {},
      holds,
    });
    s.onMessage(JSON.stringify({ type: 'hello', protocolVersion: 1 }));
    const send = (m: object) => s.onMessage(JSON.stringify(m));
    return { socket, send, close: () => s.onClose() };
  };
  return { hub, holds, connect };
}

afterEach(() => vi.useRealTimers());

describe('patch holds over the socket', () => {
  it('shows a hold to the other pages and releases it on release, on a new hold elsewhere and on disconnect', () => {
    const { holds, connect } = setup();
    const a = connect();
    const b = connect();
    b.send({ type: 'slide.subscribe', slideIds: ['sl_1', 'sl_2'] });
    // Nothing held: no frame (a page starts from no holds after welcome).
    expect(b.socket.holds('sl_1')).toBeUndefined();

    a.send({ type: 'patch.hold', slideId: 'sl_1', region: region(0), holder: 'tab-aaaa' });
    expect(b.socket.holds('sl_1')).toMatchObject([{ holder: 'tab-aaaa', region: region(0) }]);
    a.send({ type: 'patch.release' });
    expect(b.socket.holds('sl_1')).toEqual([]);

    a.send({ type: 'patch.hold', slideId: 'sl_1', region: region(512), holder: 'tab-aaaa' });
    // One hold per socket: a second one replaces the first, it never adds up.
    a.send({ type: 'patch.hold', slideId: 'sl_1', region: region(1024), holder: 'tab-aaaa' });
    expect(b.socket.holds('sl_1')).toMatchObject([{ region: region(1024) }]);
    expect(holds.size()).toBe(1);

    // A page that subscribes later is told the current holds at once (they are not in the replay buffer).
    const c = connect();
    c.send({ type: 'slide.subscribe', slideIds: ['sl_1'] });
    expect(c.socket.holds('sl_1')).toMatchObject([{ holder: 'tab-aaaa', region: region(1024) }]);

    a.close();
    expect(b.socket.holds('sl_1')).toEqual([]);
    expect(c.socket.holds('sl_1')).toEqual([]);
    expect(holds.size()).toBe(0);
  });

  it('moving a hold to another slide clears it on the first slide', () => {
    const { connect } = setup();
    const a = connect();
    const b = connect();
    a.send({ type: 'patch.hold', slideId: 'sl_1', region: region(0), holder: 'tab-aaaa' });
    a.send({ type: 'patch.hold', slideId: 'sl_2', region: region(0), holder: 'tab-aaaa' });
    expect(b.socket.holds('sl_1')).toEqual([]);
    expect(b.socket.holds('sl_2')).toHaveLength(1);
  });

  it('releases a hold that was not renewed within the timeout', () => {
    vi.useFakeTimers();
    const { holds, connect } = setup(1000);
    const a = connect();
    const b = connect();
    a.send({ type: 'patch.hold', slideId: 'sl_1', region: region(0), holder: 'tab-aaaa' });
    vi.advanceTimersByTime(900);
    // Re-sending renews it.
    a.send({ type: 'patch.hold', slideId: 'sl_1', region: region(0), holder: 'tab-aaaa' });
    vi.advanceTimersByTime(900);
    expect(holds.size()).toBe(1);
    vi.advanceTimersByTime(200);
    expect(holds.size()).toBe(0);
    expect(b.socket.holds('sl_1')).toEqual([]);
  });

  it('keeps memory bounded: 10 000 holds from one socket leave one entry, and the hub buffers none of them', () => {
    const { hub, holds, connect } = setup();
    const a = connect();
    const seq = hub.currentSeq();
    for (let i = 0; i < 10_000; i++) {
      a.send({ type: 'patch.hold', slideId: `sl_${i % 7}`, region: region(i), holder: 'tab-aaaa' });
    }
    expect(holds.size()).toBe(1);
    // Announcements carry the current seq without advancing it: nothing enters the replay buffer.
    expect(hub.currentSeq()).toBe(seq);
  });

  it('answers a bad hold with BAD_MESSAGE naming the field, and stores nothing', () => {
    const { holds, connect } = setup();
    const a = connect();
    a.send({ type: 'patch.hold', slideId: 'sl_1', region: { x: -1, y: 0, width: 5, height: 5 }, holder: 'tab-aaaa' });
    const last = a.socket.frames.at(-1);
    expect(last).toMatchObject({ type: 'error', code: 'BAD_MESSAGE' });
    expect(last?.type === 'error' && last.message).toMatch(/region\.x/);
    expect(holds.size()).toBe(0);
  });
});
