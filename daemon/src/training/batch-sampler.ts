import type { Rng } from '@activeseg/shared';

/**
 * Epoch-wise shuffled sampling like Keras' flow(): every patch is seen once per pass before any repeats, so a small
 * training set (the first active-learning iterations have 2–5 patches) is used evenly.
 */
export function createBatchSampler(count: number, rng: Rng): (batchSize: number) => number[] {
  if (count <= 0) throw new Error('cannot sample batches from an empty training set');
  let order: number[] = [];
  const refill = () => {
    order = Array.from({ length: count }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
  };
  return (batchSize) => {
    const out: number[] = [];
    while (out.length < batchSize) {
      if (order.length === 0) refill();
      out.push(order.pop() as number);
    }
    return out;
  };
}
