import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { waitForShutdownSignal } from './wait-for-shutdown-signal.js';

function setup() {
  const source = new EventEmitter();
  let t = 0;
  const forced: string[] = [];
  const logs: string[] = [];
  const done = waitForShutdownSignal({
    source,
    now: () => t,
    log: (m) => logs.push(m),
    onForce: (s) => forced.push(s),
  });
  const send = (signal: NodeJS.Signals, at: number) => {
    t = at;
    source.emit(signal, signal);
  };
  return { done, send, forced, logs };
}

describe('waitForShutdownSignal', () => {
  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)('resolves with the first %s and forces nothing', async (sig) => {
    const { done, send, forced } = setup();
    send(sig, 0);
    await expect(done).resolves.toBe(sig);
    expect(forced).toEqual([]);
  });

  it('takes a repeat inside the window as the same request (Ctrl+C reaches wrapper and CLI both)', async () => {
    const { done, send, forced } = setup();
    send('SIGINT', 0);
    send('SIGINT', 5);
    send('SIGTERM', 900);
    await done;
    expect(forced).toEqual([]);
  });

  it('forces the exit on a signal after the window', async () => {
    const { done, send, forced, logs } = setup();
    send('SIGTERM', 0);
    await done;
    send('SIGINT', 1500);
    expect(forced).toEqual(['SIGINT']);
    expect(logs.at(-1)).toMatch(/SIGINT again: exiting without a clean shutdown/);
  });
});
