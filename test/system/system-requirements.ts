/**
 * The system packages (Debian names) the tests and the bench need beyond npm: the one list that `npm test`'s set-up
 * (ensure-test-system.ts), .ci/run and the tests' own error messages read.
 */
export interface SystemRequirement {
  /** What the user sees missing. */
  name: string;
  /** How its presence is checked: a command on PATH, or a module the system python3 can import. */
  probe: { kind: 'command'; command: string } | { kind: 'python-module'; module: string };
  aptPackage: string;
  neededBy: string;
}

export const TEST_REQUIREMENTS: readonly SystemRequirement[] = [
  {
    name: 'chromium',
    probe: { kind: 'command', command: 'chromium' },
    aptPackage: 'chromium',
    neededBy: 'the browser end-to-end test (test/e2e, driven through playwright-core, which downloads no browser)',
  },
  {
    name: 'redis-server',
    probe: { kind: 'command', command: 'redis-server' },
    aptPackage: 'redis-server',
    neededBy: 'the worker-fleet tests (each starts its own redis-server on loopback)',
  },
];

export const BENCH_REQUIREMENTS: readonly SystemRequirement[] = [
  {
    name: 'PyTorch',
    probe: { kind: 'python-module', module: 'torch' },
    aptPackage: 'python3-torch',
    neededBy: 'the PyTorch peer of `npm run bench` (run `npx tsx daemon/bench/bench.ts --no-pytorch` to go without)',
  },
];

export const SYSTEM_PROFILES = { test: TEST_REQUIREMENTS, bench: BENCH_REQUIREMENTS } as const;
export type SystemProfile = keyof typeof SYSTEM_PROFILES;
