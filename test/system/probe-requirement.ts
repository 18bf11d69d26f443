import { spawnSync } from 'node:child_process';
import { findCommand } from './find-command.js';
import type { SystemRequirement } from './system-requirements.js';

/** Whether a requirement is met on this machine (PATH lookup, or an import by the system python3). */
export function probeRequirement(requirement: SystemRequirement): boolean {
  const { probe } = requirement;
  if (probe.kind === 'command') return findCommand(probe.command) !== null;
  // Debian's python3-* modules are visible to /usr/bin/python3 only; PATH may name another python3 first.
  return ['/usr/bin/python3', 'python3'].some(
    (exe) => spawnSync(exe, ['-c', `import ${probe.module}`], { stdio: 'ignore', timeout: 120_000 }).status === 0,
  );
}
