import type { RedisClient } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { createFleetReconciler, type ReconcileJob } from './reconcile-fleet-jobs.js';

/** The two commands the reconciler sends, over plain maps (job hashes and string keys). */
function fakeRedis() {
  const hashes = new Map<string, Record<string, string>>();
  const strings = new Map<string, string>();
  const client = {
    hmget: async (key: string, ...fields: string[]) => fields.map((f) => hashes.get(key)?.[f] ?? null),
    get: async (key: string) => strings.get(key) ?? null,
  } as unknown as RedisClient;
  return { hashes, strings, client };
}

function setup(versions: Record<string, number> = {}) {
  const redis = fakeRedis();
  let t = 0;
  const reconciler = createFleetReconciler({
    client: redis.client,
    jobKey: (id) => `p:jobs:${id}`,
    leaseKey: (id) => `p:jobs:lease:${id}`,
    trainedVersionOf: (id) => versions[id],
    leaseMs: 3000,
    now: () => t,
  });
  return { ...redis, reconciler, advance: (ms: number) => (t += ms) };
}

const infer = (over: Partial<ReconcileJob> = {}): ReconcileJob => ({
  id: 'jb_i',
  kind: 'infer',
  state: 'running',
  cancelled: false,
  unsettled: [0, 1, 2].map((index) => ({ index, bullId: `jb_i.b${index}` })),
  ...over,
});
const train = (over: Partial<ReconcileJob> = {}): ReconcileJob => ({
  id: 'jb_t',
  kind: 'train',
  state: 'running',
  cancelled: false,
  unsettled: [{ index: 0, bullId: 'jb_t' }],
  ...over,
});

describe('createFleetReconciler', () => {
  it('enqueues the inference batches Redis lost again and settles the ones that finished unseen', async () => {
    const { hashes, reconciler } = setup();
    hashes.set('p:jobs:jb_i.b1', { timestamp: '1' });
    hashes.set('p:jobs:jb_i.b2', { timestamp: '1', finishedOn: '2', returnvalue: '{"scored":4}' });
    expect(await reconciler.reconcile([infer()])).toEqual([
      { type: 'settle', jobId: 'jb_i', index: 2, returnvalue: { scored: 4 } },
      { type: 'requeue', jobId: 'jb_i', indices: [0] },
    ]);
  });

  it('settles a batch that failed for good from its failedReason; a cancelled job’s lost batches are dropped', async () => {
    const { hashes, reconciler } = setup();
    hashes.set('p:jobs:jb_i.b0', { timestamp: '1', finishedOn: '2', failedReason: 'MODEL_NOT_READY: v2' });
    const actions = await reconciler.reconcile([infer({ cancelled: true })]);
    expect(actions).toEqual([
      { type: 'settle', jobId: 'jb_i', index: 0, failedReason: 'MODEL_NOT_READY: v2' },
      { type: 'drop', jobId: 'jb_i', indices: [1, 2] },
    ]);
  });

  it('adopts the model version a train job wrote even though Redis forgot the job', async () => {
    const { reconciler } = setup({ jb_t: 7 });
    expect(await reconciler.reconcile([train()])).toEqual([{ type: 'trained', jobId: 'jb_t', version: 7 }]);
  });

  it('leaves a train job whose row is written but which Redis still holds to its completion event', async () => {
    const { hashes, reconciler } = setup({ jb_t: 7 });
    hashes.set('p:jobs:jb_t', { timestamp: '1' });
    expect(await reconciler.reconcile([train()])).toEqual([]);
  });

  it('waits while a worker holds the lease of a vanished train job, then fails it once the lease has lapsed for leaseMs', async () => {
    const { strings, reconciler, advance } = setup();
    strings.set('p:jobs:lease:jb_t', 'w1');
    expect(await reconciler.reconcile([train()])).toEqual([]);
    advance(10_000);
    expect(await reconciler.reconcile([train()])).toEqual([]);
    strings.delete('p:jobs:lease:jb_t');
    expect(await reconciler.reconcile([train()])).toEqual([]);
    advance(2999);
    expect(await reconciler.reconcile([train()])).toEqual([]);
    advance(1);
    expect(await reconciler.reconcile([train()])).toEqual([{ type: 'lost', jobId: 'jb_t' }]);
  });

  it('enqueues a vanished train job that never started again instead of failing it', async () => {
    const { reconciler, advance } = setup();
    expect(await reconciler.reconcile([train({ state: 'queued' })])).toEqual([]);
    advance(3000);
    expect(await reconciler.reconcile([train({ state: 'queued' })])).toEqual([
      { type: 'requeue', jobId: 'jb_t', indices: [0] },
    ]);
  });

  it('leaves jobs that Redis still holds alone', async () => {
    const { hashes, reconciler, advance } = setup();
    hashes.set('p:jobs:jb_t', { timestamp: '1' });
    for (const id of [0, 1, 2]) hashes.set(`p:jobs:jb_i.b${id}`, { timestamp: '1' });
    advance(60_000);
    expect(await reconciler.reconcile([train(), infer()])).toEqual([]);
  });
});
