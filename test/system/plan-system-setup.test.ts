import { describe, expect, it } from 'vitest';
import { planSystemSetup } from './plan-system-setup.js';
import { BENCH_REQUIREMENTS, TEST_REQUIREMENTS } from './system-requirements.js';

const [chromium, redis] = TEST_REQUIREMENTS as [(typeof TEST_REQUIREMENTS)[0], (typeof TEST_REQUIREMENTS)[0]];

describe('planSystemSetup', () => {
  it('does nothing when every package is present, root or not', () => {
    for (const isRoot of [true, false])
      for (const hasAptGet of [true, false])
        expect(planSystemSetup({ missing: [], isRoot, hasAptGet })).toEqual({ action: 'nothing' });
  });

  it('installs only the missing packages, non-interactively, when root with apt-get', () => {
    expect(planSystemSetup({ missing: [redis], isRoot: true, hasAptGet: true })).toEqual({
      action: 'install',
      packages: ['redis-server'],
      commands: [
        ['apt-get', 'update', '-qq'],
        ['apt-get', 'install', '-y', '-qq', 'redis-server'],
      ],
    });
  });

  it('asks for the one sudo command when not root, naming what needs each package', () => {
    const plan = planSystemSetup({ missing: [chromium, redis], isRoot: false, hasAptGet: true });
    expect(plan).toMatchObject({ action: 'ask', command: 'sudo apt-get install -y chromium redis-server' });
    if (plan.action !== 'ask') throw new Error('unreachable');
    expect(plan.message).toMatch(/not root/);
    expect(plan.message).toMatch(/chromium: needed by the browser end-to-end test/);
    expect(plan.message).toMatch(/redis-server: needed by the worker-fleet tests/);
    expect(plan.message.split('\n').at(-1)).toBe('run: sudo apt-get install -y chromium redis-server');
  });

  it('asks (without sudo) when root but there is no apt-get', () => {
    const plan = planSystemSetup({ missing: [chromium], isRoot: true, hasAptGet: false });
    expect(plan).toMatchObject({ action: 'ask', command: 'apt-get install -y chromium' });
    if (plan.action !== 'ask') throw new Error('unreachable');
    expect(plan.message).toMatch(/no apt-get here/);
  });

  it("plans the bench's PyTorch as Debian's python3-torch", () => {
    expect(planSystemSetup({ missing: BENCH_REQUIREMENTS, isRoot: false, hasAptGet: true })).toMatchObject({
      action: 'ask',
      command: 'sudo apt-get install -y python3-torch',
    });
  });
});
