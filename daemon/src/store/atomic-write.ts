import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  /** fsync the file and its directory (default true). Only caches that can be rebuilt may turn this off. */
  durable?: boolean;
}

/**
 * Writes `data` so that readers (and a restarted daemon) see either the old file or the complete new one.
 * Temp file in the same directory (rename is only atomic within a filesystem), fsync, rename, then fsync the
 * directory so the rename itself survives a crash. Callers write the file BEFORE committing the row that
 * points at it; a crash in between leaves an orphan file, never a row pointing at a missing or torn file.
 */
export async function atomicWrite(path: string, data: Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const durable = options.durable ?? true;
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(data);
    if (durable) await fh.sync();
  } catch (err) {
    await fh.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  if (durable) await fsyncDir(dir);
}

async function fsyncDir(dir: string): Promise<void> {
  // Directory fsync is how POSIX makes a rename durable; Windows cannot open directories, and NTFS
  // journals renames anyway, so failing to open is not an error there.
  let fh: Awaited<ReturnType<typeof open>> | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch (err) {
    if (process.platform !== 'win32') throw err;
  } finally {
    await fh?.close();
  }
}

/**
 * Moves a fully written file (e.g. from sharp's `toFile`) to `path` durably: fsync it, rename, fsync the
 * directory. For outputs too large to hold in memory for `atomicWrite`.
 */
export async function commitFile(tmpPath: string, path: string): Promise<void> {
  const fh = await open(tmpPath, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
  await mkdir(dirname(path), { recursive: true });
  await rename(tmpPath, path);
  await fsyncDir(dirname(path));
}

/** A temp path next to `path` (same filesystem, so the final rename is atomic). */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
}
