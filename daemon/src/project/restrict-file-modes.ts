import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';

/**
 * Project files hold unpublished data and the token, so they are the user's alone: the process umask gains
 * 077 (new files 0600, folders 0700: SQLite's -wal/-shm, masks, tiles, uploads, model versions, whatever the
 * login shell's umask), and a project made by an older version is closed off at its root folder (0700) and
 * database (0600; SQLite gives -wal/-shm the database's mode). Call before anything writes to the project.
 */
export function restrictFileModes(projectDir: string): void {
  if (process.platform === 'win32') return;
  // Worker threads cannot set the umask; they inherit the main thread's.
  if (isMainThread) process.umask(process.umask() | 0o077);
  mkdirSync(projectDir, { recursive: true, mode: 0o700 });
  chmodSync(projectDir, 0o700);
  for (const file of ['activeseg.db', 'activeseg.db-wal', 'activeseg.db-shm']) {
    const path = join(projectDir, file);
    if (existsSync(path)) chmodSync(path, 0o600);
  }
}
