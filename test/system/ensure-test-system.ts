/**
 * Set-up step of `npm test` (and `npm run bench` with the `bench` profile): checks the system packages the run needs
 * (system-requirements.ts). Missing ones are installed with apt-get when we are root and it exists; otherwise this
 * exits 1 printing the one command to run. Nothing is ever skipped silently.
 *
 *   npx tsx test/system/ensure-test-system.ts [test|bench]
 */
import { spawnSync } from 'node:child_process';
import { findCommand } from './find-command.js';
import { planSystemSetup } from './plan-system-setup.js';
import { probeRequirement } from './probe-requirement.js';
import { SYSTEM_PROFILES, type SystemProfile } from './system-requirements.js';

const profile = (process.argv[2] ?? 'test') as SystemProfile;
const requirements = SYSTEM_PROFILES[profile];
if (requirements === undefined) {
  console.error(`ensure-test-system: unknown profile "${profile}" (known: ${Object.keys(SYSTEM_PROFILES).join(', ')})`);
  process.exit(2);
}

const missing = requirements.filter((r) => !probeRequirement(r));
const plan = planSystemSetup({
  missing,
  isRoot: process.getuid?.() === 0,
  hasAptGet: findCommand('apt-get') !== null,
});
switch (plan.action) {
  case 'nothing':
    console.error(`system packages for ${profile}: ${requirements.map((r) => r.name).join(', ')} present`);
    break;
  case 'ask':
    console.error(`ensure-test-system: ${plan.message}`);
    process.exit(1);
    break;
  case 'install': {
    console.error(
      `system packages for ${profile}: installing ${plan.packages.join(' ')} with apt-get (running as root)`,
    );
    for (const argv of plan.commands) {
      const [exe, ...args] = argv as [string, ...string[]];
      const r = spawnSync(exe, args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
      if (r.status !== 0) {
        console.error(`ensure-test-system: \`${argv.join(' ')}\` failed (${r.status ?? r.signal ?? r.error?.message})`);
        process.exit(1);
      }
    }
    const still = missing.filter((r) => !probeRequirement(r));
    if (still.length > 0) {
      console.error(`ensure-test-system: still missing after apt-get install: ${still.map((r) => r.name).join(', ')}`);
      process.exit(1);
    }
    console.error(`system packages for ${profile}: installed ${plan.packages.join(' ')}`);
    break;
  }
}
