import type { SelectTopKOptions } from '@activeseg/shared';

/** The simulator's strategies: which acquisition function scores the pool and how the top patches are picked. */
export const STRATEGIES = {
  uncertainty: { acquisition: 'uncertainty', select: 'top' },
  random: { acquisition: 'random', select: 'top' },
  std: { acquisition: 'std', select: 'top' },
  entropy: { acquisition: 'entropy', select: 'top' },
  bald: { acquisition: 'bald', select: 'top' },
  diverse: { acquisition: 'uncertainty', select: 'diverse' },
} as const satisfies Record<string, { acquisition: string; select: SelectTopKOptions['strategy'] }>;

export type StrategyName = keyof typeof STRATEGIES;
export const STRATEGY_NAMES = Object.keys(STRATEGIES) as StrategyName[];

export function parseStrategies(list: string): StrategyName[] {
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (names.length === 0) throw new Error('--strategies: give at least one strategy');
  for (const n of names) {
    if (!(STRATEGY_NAMES as string[]).includes(n)) {
      throw new Error(`--strategies: unknown strategy "${n}", expected some of ${STRATEGY_NAMES.join(', ')}`);
    }
  }
  return [...new Set(names)] as StrategyName[];
}
