import { findCommand } from './find-command.js';
import { aptInstallCommand } from './plan-system-setup.js';
import { TEST_REQUIREMENTS } from './system-requirements.js';

/**
 * The path of a system command a test needs, or an error naming the command to install it: a test fails where its
 * tool is missing, it never skips. `npm test` installs the tools first when it runs as root with apt-get.
 */
export function requireSystemCommand(command: string): string {
  const found = findCommand(command);
  if (found !== null) return found;
  const requirement = TEST_REQUIREMENTS.find((r) => r.probe.kind === 'command' && r.probe.command === command);
  const install = aptInstallCommand([requirement?.aptPackage ?? command], { isRoot: process.getuid?.() === 0 });
  throw new Error(
    `${command} is not on PATH: run \`${install}\` (or \`npm test\`, which installs it when run as root on Debian/Ubuntu)${requirement ? `; needed by ${requirement.neededBy}` : ''}`,
  );
}
