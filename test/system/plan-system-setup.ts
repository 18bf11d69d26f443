import type { SystemRequirement } from './system-requirements.js';

export interface PlanSystemSetupOptions {
  missing: readonly SystemRequirement[];
  isRoot: boolean;
  hasAptGet: boolean;
}

export type SystemSetupPlan =
  | { action: 'nothing' }
  /** Commands to run in order (argv arrays, non-interactive). */
  | { action: 'install'; packages: string[]; commands: string[][] }
  /** We cannot install: the one command the user should run, and why. */
  | { action: 'ask'; packages: string[]; command: string; message: string };

/** The apt-get line for `packages`, with sudo unless we are root. */
export function aptInstallCommand(packages: readonly string[], options: { isRoot: boolean }): string {
  return `${options.isRoot ? '' : 'sudo '}apt-get install -y ${packages.join(' ')}`;
}

/** What the set-up step does about missing system packages: nothing, install them (root + apt-get), or ask. */
export function planSystemSetup(options: PlanSystemSetupOptions): SystemSetupPlan {
  const { missing, isRoot, hasAptGet } = options;
  if (missing.length === 0) return { action: 'nothing' };
  const packages = [...new Set(missing.map((r) => r.aptPackage))];
  if (isRoot && hasAptGet) {
    return {
      action: 'install',
      packages,
      commands: [
        ['apt-get', 'update', '-qq'],
        ['apt-get', 'install', '-y', '-qq', ...packages],
      ],
    };
  }
  const command = aptInstallCommand(packages, { isRoot });
  const list = missing.map((r) => `  ${r.name}: needed by ${r.neededBy}`).join('\n');
  const why = hasAptGet
    ? 'not root, so they are not installed automatically'
    : 'no apt-get here: install the same packages with your system package manager (Debian/Ubuntu command below)';
  return { action: 'ask', packages, command, message: `missing system packages (${why}):\n${list}\nrun: ${command}` };
}
