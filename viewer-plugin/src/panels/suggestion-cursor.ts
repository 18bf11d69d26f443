/** Index after `current` when stepping by `step` through `count` items, wrapping; -1 when there are none. */
export function stepIndex(current: number, step: 1 | -1, count: number): number {
  if (count <= 0) return -1;
  if (current < 0 || current >= count) return step === 1 ? 0 : count - 1;
  return (current + step + count) % count;
}
