import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createRedisOutageLog, lostBullJobId, redactRedisUrl } from './redis-outage-log.js';

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6390'), { code: 'ECONNREFUSED' });

function setup() {
  let t = 0;
  const lines: string[] = [];
  const outage = createRedisOutageLog({
    url: 'redis://user:secret@127.0.0.1:6390/0',
    log: (m) => lines.push(m),
    settleMs: 2000,
    now: () => t,
  });
  const a = new EventEmitter();
  const b = new EventEmitter();
  outage.watch(a);
  outage.watch(b);
  return { outage, lines, a, b, advance: (ms: number) => (t += ms) };
}

describe('createRedisOutageLog', () => {
  it('says one line when Redis becomes unreachable and one when it is back, however many clients retry', () => {
    const { outage, lines, a, b, advance } = setup();
    const backs: number[] = [];
    outage.onBack((ms) => backs.push(ms));
    for (let s = 0; s < 5; s++) {
      a.emit('error', refused());
      b.emit('error', refused());
      outage.error(refused(), 'queue error');
      advance(1000);
    }
    expect(outage.down).toBe(true);
    a.emit('ready');
    b.emit('ready');
    expect(lines).toEqual([
      'redis unreachable at redis://127.0.0.1:6390/0 (ECONNREFUSED), retrying',
      'redis back at redis://127.0.0.1:6390/0 after 5.0 s',
    ]);
    expect(backs).toEqual([5000]);
    expect(outage.down).toBe(false);
  });

  it('treats a client that retried just before the restart as the same outage, a later failure as a new one', () => {
    const { lines, a, b, advance } = setup();
    a.emit('error', refused());
    advance(3000);
    a.emit('ready');
    advance(500);
    b.emit('error', refused());
    expect(lines).toHaveLength(2);
    advance(5000);
    b.emit('error', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    expect(lines.at(-1)).toBe('redis unreachable at redis://127.0.0.1:6390/0 (ECONNRESET), retrying');
  });

  it('logs other errors as one line each, and errors about a job Redis lost once per job', () => {
    const { outage, lines } = setup();
    outage.error(new Error('ERR unknown command'), 'queue error');
    for (let i = 0; i < 3; i++) outage.error(new Error('Missing key for job jb_x.b2. updateProgress'), 'progress');
    outage.error(new Error('could not renew lock for job jb_x.b2'), 'queue error');
    outage.error(new Error('Missing lock for job jb_y. moveToFinished'), 'queue error');
    expect(lines).toEqual([
      'queue error: ERR unknown command',
      'job jb_x.b2 is gone from Redis (restarted empty?); the daemon reconciles it, later errors about it are not logged',
      'job jb_y is gone from Redis (restarted empty?); the daemon reconciles it, later errors about it are not logged',
    ]);
    expect(outage.handles(new Error('ERR unknown command'))).toBe(false);
    expect(outage.handles(refused())).toBe(true);
  });
});

describe('lostBullJobId / redactRedisUrl', () => {
  it('reads the job id out of BullMQ’s missing-key, missing-lock and lock-renewal errors', () => {
    expect(lostBullJobId(new Error('Missing key for job jb_a-b_c.b11. moveToFinished'))).toBe('jb_a-b_c.b11');
    expect(lostBullJobId(new Error('could not renew lock for job jb_q'))).toBe('jb_q');
    expect(lostBullJobId(new Error('Connection is closed.'))).toBeUndefined();
  });

  it('never shows the password', () => {
    expect(redactRedisUrl('redis://u:pw@h:1/2')).toBe('redis://h:1/2');
    expect(redactRedisUrl('not a url')).toBe('the configured Redis URL');
  });
});

describe('createRedisOutageLog without a watched client’s ready event', () => {
  it('ends an outage reported only by a BullMQ object once every watched client is connected', async () => {
    const lines: string[] = [];
    const outage = createRedisOutageLog({ url: 'redis://127.0.0.1:6390', log: (m) => lines.push(m) });
    const client = Object.assign(new EventEmitter(), { status: 'ready' });
    outage.watch(client);
    outage.error(refused(), 'queue error');
    expect(outage.down).toBe(true);
    await new Promise((r) => setTimeout(r, 1100));
    expect(outage.down).toBe(false);
    expect(lines.at(-1)).toMatch(/^redis back at redis:\/\/127\.0\.0\.1:6390 after 1\.\d s$/);
  });
});
