import { PROTOCOL_VERSION } from '@activeseg/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createReconnectPolicy } from './reconnect-policy.js';
import { type ConnectionChange, createWsClient, type TokenCheck, type WebSocketLike } from './ws-client.js';

class FakeSocket implements WebSocketLike {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: unknown[] = [];
  closedWith: number | undefined;
  onopen: ((ev: Event) => unknown) | null = null;
  onmessage: ((ev: MessageEvent) => unknown) | null = null;
  onclose: ((ev: CloseEvent) => unknown) | null = null;
  onerror: ((ev: Event) => unknown) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  close(code?: number): void {
    this.closedWith = code;
    this.readyState = 3;
  }
  // Test drivers, named as the daemon's side of the socket.
  open(): void {
    this.readyState = 1;
    this.onopen?.({} as Event);
  }
  receive(frame: unknown): void {
    this.onmessage?.({ data: typeof frame === 'string' ? frame : JSON.stringify(frame) } as MessageEvent);
  }
  drop(code = 1006, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason } as CloseEvent);
  }
}

const latest = (): FakeSocket => FakeSocket.all.at(-1)!;
const welcome = (seq: number, daemonId = 'd1') => ({
  type: 'welcome',
  seq,
  protocolVersion: PROTOCOL_VERSION,
  daemonId,
  backend: 'cpu',
  modelVersion: 0,
});
const progress = (seq: number) => ({ type: 'job.progress', seq, jobId: 'jb_1', kind: 'infer', done: seq, total: 10 });

describe('createWsClient', () => {
  beforeEach(() => {
    FakeSocket.all = [];
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  const make = (slideIds?: string[], checkToken?: () => Promise<TokenCheck>) =>
    createWsClient({
      url: 'ws://d/ws?token=t',
      WebSocket: FakeSocket,
      policy: createReconnectPolicy({ initialDelayMs: 100, jitter: 0 }),
      ...(slideIds ? { slideIds } : {}),
      ...(checkToken ? { checkToken } : {}),
    });

  it('says hello without lastSeq first, adopts the welcome seq, then subscribes', () => {
    const client = make(['sl_1']);
    latest().open();
    expect(latest().sent).toEqual([{ type: 'hello', protocolVersion: PROTOCOL_VERSION }]);
    latest().receive(welcome(41));
    expect(client.state).toBe('open');
    expect(client.lastSeq).toBe(41);
    expect(client.daemonId).toBe('d1');
    expect(latest().sent[1]).toEqual({ type: 'slide.subscribe', slideIds: ['sl_1'] });
  });

  it('emits typed events, tracks the highest seq and drops duplicates', () => {
    const client = make();
    const seen: number[] = [];
    client.on('job.progress', (m) => seen.push(m.done));
    latest().open();
    latest().receive(welcome(0));
    latest().receive(progress(1));
    latest().receive(progress(2));
    latest().receive(progress(2));
    expect(seen).toEqual([1, 2]);
    expect(client.lastSeq).toBe(2);
  });

  it('reports and drops invalid frames', () => {
    const client = make();
    const bad: string[] = [];
    const all: string[] = [];
    client.on('invalid-frame', (f) => bad.push(f.reason));
    client.on('message', (m) => all.push(m.type));
    latest().open();
    latest().receive('not json');
    latest().receive({ type: 'job.progress', seq: 1 });
    latest().receive({ type: 'tiles.updated', seq: 1, slideId: 's', layer: 'uncertainty', modelVersion: 1 });
    expect(bad).toHaveLength(3);
    expect(bad[0]).toBe('not JSON');
    expect(bad[2]).toMatch(/tiles or bbox/);
    expect(all).toEqual([]);
  });

  it('reconnects with backoff and asks for a replay from lastSeq', () => {
    const client = make();
    const states: ConnectionChange[] = [];
    client.on('connection', (c) => states.push(c));
    latest().open();
    latest().receive(welcome(5));
    latest().receive(progress(6));
    latest().drop();
    expect(states.at(-1)).toMatchObject({ state: 'reconnecting', attempt: 0, delayMs: 100 });
    vi.advanceTimersByTime(99);
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(2);
    latest().drop();
    expect(states.at(-1)).toMatchObject({ attempt: 1, delayMs: 200 });
    vi.advanceTimersByTime(200);
    latest().open();
    expect(latest().sent[0]).toEqual({ type: 'hello', protocolVersion: PROTOCOL_VERSION, lastSeq: 6, daemonId: 'd1' });
    // Replay follows the welcome; welcome's seq must not skip it.
    latest().receive(welcome(9));
    expect(client.lastSeq).toBe(6);
    latest().receive(progress(7));
    expect(client.lastSeq).toBe(7);
    // After a successful welcome the backoff starts over.
    latest().drop();
    expect(states.at(-1)).toMatchObject({ attempt: 0 });
  });

  it('adopts the position of a restarted daemon and of a resync', () => {
    const client = make();
    latest().open();
    latest().receive(welcome(50, 'd1'));
    latest().drop();
    vi.advanceTimersByTime(100);
    latest().open();
    latest().receive(welcome(3, 'd2'));
    expect(client.lastSeq).toBe(3);
    latest().receive({ type: 'resync', seq: 10 });
    expect(client.lastSeq).toBe(10);
  });

  it('does not retry after a protocol mismatch', () => {
    const client = make();
    latest().open();
    latest().drop(4001, 'protocol mismatch');
    expect(client.state).toBe('failed');
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(1);
  });

  it('stops retrying once the daemon refuses the token, and says so with UNAUTHORIZED', async () => {
    let answer: TokenCheck = 'unknown';
    const checks: TokenCheck[] = [];
    const client = make(undefined, async () => {
      checks.push(answer);
      return answer;
    });
    const states: ConnectionChange[] = [];
    client.on('connection', (c) => states.push(c));
    latest().open();
    latest().receive(welcome(5));
    // A drop after welcome is a restart or a network blip: retry at once, no check.
    latest().drop();
    await vi.advanceTimersByTimeAsync(0);
    expect(checks).toEqual([]);
    expect(states.at(-1)).toMatchObject({ state: 'reconnecting', attempt: 0 });
    // Daemon down: the upgrade fails without a welcome, the check cannot tell, so keep retrying.
    await vi.advanceTimersByTimeAsync(100);
    latest().drop();
    await vi.advanceTimersByTimeAsync(0);
    expect(checks).toEqual(['unknown']);
    expect(states.at(-1)).toMatchObject({ state: 'reconnecting', attempt: 1 });
    // Back with a new token: the upgrade gets 401 (close 1006 in a browser), the check says refused.
    answer = 'refused';
    await vi.advanceTimersByTimeAsync(200);
    expect(FakeSocket.all).toHaveLength(3);
    latest().drop();
    await vi.advanceTimersByTimeAsync(0);
    expect(states.at(-1)).toEqual({ state: 'failed', code: 'UNAUTHORIZED', reason: 'token refused' });
    expect(client.state).toBe('failed');
    await vi.advanceTimersByTimeAsync(120_000);
    expect(FakeSocket.all).toHaveLength(3);
    expect(checks).toEqual(['unknown', 'refused']);
  });

  it('retries when the token check itself fails, and not at all after close during a check', async () => {
    let fail = true;
    let release: () => void = () => {};
    const client = make(undefined, () =>
      fail
        ? Promise.reject(new Error('boom'))
        : new Promise<TokenCheck>((resolve) => {
            release = () => resolve('refused');
          }),
    );
    latest().drop();
    await vi.advanceTimersByTimeAsync(0);
    expect(client.state).toBe('reconnecting');
    fail = false;
    await vi.advanceTimersByTimeAsync(100);
    latest().drop();
    client.close();
    release();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(client.state).toBe('closed');
    expect(FakeSocket.all).toHaveLength(2);
  });

  it('send only works while open; close stops retries and listeners', () => {
    const client = make();
    expect(client.send({ type: 'job.cancel', jobId: 'jb_1' })).toBe(false);
    latest().open();
    latest().receive(welcome(0));
    expect(client.send({ type: 'job.cancel', jobId: 'jb_1' })).toBe(true);
    client.subscribe(['sl_2']);
    expect(latest().sent.slice(1)).toEqual([
      { type: 'job.cancel', jobId: 'jb_1' },
      { type: 'slide.subscribe', slideIds: ['sl_2'] },
    ]);
    const sock = latest();
    client.close();
    expect(sock.closedWith).toBe(1000);
    sock.drop(1000);
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(client.state).toBe('closed');
  });

  it('keeps this tab’s patch hold across reconnects and releases it once; patch.holds frames do not move lastSeq', () => {
    const client = make(['sl_1']);
    const hold = { slideId: 'sl_1', region: { x: 0, y: 0, width: 512, height: 512 }, holder: 'tab-0001' };
    client.hold(hold);
    latest().open();
    latest().receive(welcome(5));
    expect(latest().sent.slice(1)).toEqual([
      { type: 'slide.subscribe', slideIds: ['sl_1'] },
      { type: 'patch.hold', ...hold },
    ]);
    latest().receive({ type: 'patch.holds', seq: 5, slideId: 'sl_1', holds: [] });
    latest().receive({ type: 'patch.holds', seq: 9, slideId: 'sl_1', holds: [] });
    expect(client.lastSeq).toBe(5);
    // The daemon dropped the hold with the socket: the next socket holds the patch again.
    latest().drop();
    vi.advanceTimersByTime(100);
    latest().open();
    latest().receive(welcome(5));
    expect(latest().sent.slice(1)).toEqual([
      { type: 'slide.subscribe', slideIds: ['sl_1'] },
      { type: 'patch.hold', ...hold },
    ]);
    // Renewed while held (every 5 min by default), so the daemon's timeout frees only patches of quiet tabs.
    vi.advanceTimersByTime(5 * 60_000);
    expect(latest().sent.slice(3)).toEqual([{ type: 'patch.hold', ...hold }]);
    client.hold(undefined);
    client.hold(undefined);
    vi.advanceTimersByTime(10 * 60_000);
    expect(latest().sent.slice(4)).toEqual([{ type: 'patch.release' }]);
    client.close();
  });

  it('sends the viewport when open, again after a reconnect, and forgets it when its slide is unsubscribed', async () => {
    const client = make(['sl_1']);
    const region = { x: 512, y: 0, width: 800, height: 600 };
    client.viewport('sl_1', region);
    latest().open();
    latest().receive(welcome(1));
    expect(latest().sent.slice(1)).toEqual([
      { type: 'slide.subscribe', slideIds: ['sl_1'] },
      { type: 'slide.viewport', slideId: 'sl_1', region },
    ]);
    latest().drop();
    await vi.advanceTimersByTimeAsync(100);
    latest().open();
    latest().receive(welcome(2));
    expect(latest().sent.slice(-1)).toEqual([{ type: 'slide.viewport', slideId: 'sl_1', region }]);
    client.subscribe(['sl_2']);
    latest().drop();
    await vi.advanceTimersByTimeAsync(200);
    latest().open();
    latest().receive(welcome(3));
    expect(latest().sent.slice(1)).toEqual([{ type: 'slide.subscribe', slideIds: ['sl_2'] }]);
  });
});
