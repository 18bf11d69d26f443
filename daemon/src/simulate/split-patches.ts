import { createRng, shuffled } from '@activeseg/shared';

export interface SplitInput {
  readonly id: string;
  /** Group that must not straddle the test boundary (the animal / subject the image came from). */
  readonly group: string;
}

export interface SplitCounts {
  initial: number;
  val: number;
  test: number;
}

export interface SplitOptions {
  counts: SplitCounts;
  /** Patches the pool must still hold for the iterations to run (iterations × per-iteration). */
  poolNeeded: number;
  seed: number;
  /**
   * Fixes the test set: every patch of the groups whose name starts with one of these prefixes (e.g. `sub-rat3` for
   * all three rat3 samples), however many that is; `counts.test` is then not used. Unset: groups are drawn by seed.
   */
  testGroups?: readonly string[];
}

export interface SplitResult {
  readonly initial: string[];
  readonly val: string[];
  readonly test: string[];
  readonly pool: string[];
  /** Counts actually used; smaller than asked when the data set is small. */
  readonly counts: SplitCounts;
  /** Set when the counts had to be scaled down. */
  readonly warning?: string;
}

/** AxonDeepSeg ids look like `sub-rat3_sample-data10`: the subject is the animal, so its samples share a group. */
export function subjectOf(imageId: string): string {
  const m = /^(sub-[^_]+)_/.exec(imageId);
  return m?.[1] ?? imageId;
}

/**
 * Fixed initial / validation / test sets and the pool, shared by every strategy and experiment (as in the paper).
 * Test patches come from whole held-out groups so no subject is on both sides; the rest of those groups is dropped
 * rather than leaked into the pool. When the data set is too small for the asked counts, all three are scaled down
 * proportionally (at least 1 each) instead of failing.
 */
export function splitPatches(items: readonly SplitInput[], options: SplitOptions): SplitResult {
  const rng = createRng(options.seed);
  // Fixed test subjects take what they hold, so only the training side's counts can need scaling.
  const asked = options.testGroups ? { ...options.counts, test: 0 } : options.counts;
  const total = items.length;
  const need = asked.initial + asked.val + asked.test + options.poolNeeded;
  let counts = { ...asked };
  let warning: string | undefined;
  if (need > total) {
    const f = Math.max(0, total - options.poolNeeded) / (asked.initial + asked.val + asked.test);
    counts = {
      initial: Math.max(1, Math.floor(asked.initial * f)),
      val: Math.max(1, Math.floor(asked.val * f)),
      test: Math.max(1, Math.floor(asked.test * f)),
    };
    warning = `data set has ${total} patches but the split needs ${need} (initial ${asked.initial}, val ${asked.val}, test ${asked.test}, pool ${options.poolNeeded}): scaled to initial ${counts.initial}, val ${counts.val}, test ${counts.test}`;
  }
  const groups = new Map<string, string[]>();
  for (const it of items) {
    const list = groups.get(it.group) ?? [];
    list.push(it.id);
    groups.set(it.group, list);
  }
  const groupOrder = shuffled([...groups.keys()].sort(), rng);
  const test: string[] = [];
  const trainSide: string[] = [];
  if (options.testGroups !== undefined) {
    const fixed = fixedTestGroups([...groups.keys()], options.testGroups);
    for (const g of groupOrder) (fixed.has(g) ? test : trainSide).push(...(groups.get(g) as string[]).sort());
    const side = shuffled(trainSide.sort(), rng);
    counts = { ...counts, test: test.length };
    return {
      initial: side.slice(0, counts.initial),
      val: side.slice(counts.initial, counts.initial + counts.val),
      test,
      pool: side.slice(counts.initial + counts.val),
      counts,
      ...(warning ? { warning } : {}),
    };
  }
  // Hold out whole groups for the test set only while at least one group stays for training.
  let held = 0;
  for (const g of groupOrder) {
    const ids = groups.get(g) as string[];
    const remainingGroups = groupOrder.length - held - 1;
    if (test.length < counts.test && remainingGroups >= 1) {
      held++;
      test.push(...shuffled(ids.sort(), rng));
    } else {
      trainSide.push(...ids);
    }
  }
  if (test.length < counts.test) {
    // A single group: fall back to a patch-level split and say so.
    const rest = shuffled(trainSide.sort(), rng);
    test.push(...rest.splice(0, counts.test - test.length));
    trainSide.length = 0;
    trainSide.push(...rest);
    warning = `${warning ? `${warning}; ` : ''}only one subject: test patches come from the same subject as training patches`;
  }
  const testIds = test.slice(0, counts.test);
  const side = shuffled(trainSide.sort(), rng);
  const initial = side.slice(0, counts.initial);
  const val = side.slice(counts.initial, counts.initial + counts.val);
  const pool = side.slice(counts.initial + counts.val);
  return { initial, val, test: testIds, pool, counts, ...(warning ? { warning } : {}) };
}

/** The groups named by prefix; every prefix must match a group and at least one group must stay for training. */
function fixedTestGroups(groups: readonly string[], prefixes: readonly string[]): Set<string> {
  const chosen = new Set<string>();
  for (const prefix of prefixes) {
    const hits = groups.filter((g) => g.startsWith(prefix));
    if (hits.length === 0) {
      throw new Error(`--test-subjects: "${prefix}" matches no subject (subjects: ${[...groups].sort().join(', ')})`);
    }
    for (const g of hits) chosen.add(g);
  }
  if (chosen.size === groups.length) {
    throw new Error(`--test-subjects: ${prefixes.join(',')} takes every subject; at least one must stay for training`);
  }
  return chosen;
}
