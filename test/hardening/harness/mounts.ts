import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const run = (args: string[]) => execFileSync('mount', args, { stdio: 'pipe' });
const umount = (path: string) => execFileSync('umount', [path], { stdio: 'pipe' });

/** Whether this process may mount (root with CAP_SYS_ADMIN, as in the dev container); the tests that need it fail otherwise. */
export function canMount(): boolean {
  const probe = mkdtempSync(join(tmpdir(), 'activeseg-mount-probe-'));
  try {
    run(['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe]);
    umount(probe);
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

/** A tmpfs of `sizeMb` at a new folder: a real filesystem that fills up (ENOSPC). */
export function mountTmpfs(sizeMb: number): { path: string; unmount(): void } {
  const path = mkdtempSync(join(tmpdir(), 'activeseg-tmpfs-'));
  run(['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', path]);
  return {
    path,
    unmount() {
      try {
        umount(path);
      } catch {}
      rmSync(path, { recursive: true, force: true });
    },
  };
}

/**
 * Makes `dir` read-only in place with a read-only bind mount (root ignores `chmod a-w`, so chmod cannot model
 * this in the container). Returns the undo.
 */
export function bindReadOnly(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  run(['--bind', dir, dir]);
  run(['-o', 'remount,bind,ro', dir]);
  return () => {
    try {
      umount(dir);
    } catch {}
  };
}
