import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The executable `command` resolves to on `path` (default: this process's PATH), as a shell would find it; or null. */
export function findCommand(command: string, options: { path?: string | undefined } = {}): string | null {
  const path = 'path' in options ? options.path : process.env.PATH;
  for (const dir of (path ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return null;
}
