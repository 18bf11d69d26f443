import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';

export interface StoreDigest {
  /** Row count per table. */
  counts: Record<string, number>;
  /** SHA-256 over every row of every table, in primary-key order. */
  hash: string;
}

/**
 * Reads the project database through a second, read-only connection (WAL allows it while the daemon runs) and
 * digests every table, so a test can prove a burst of bad requests changed nothing.
 */
export function storeDigest(projectDir: string): StoreDigest {
  const db = new Database(join(projectDir, 'activeseg.db'), { readonly: true, fileMustExist: true });
  try {
    const tables = db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all()
      .map((t) => t.name);
    const counts: Record<string, number> = {};
    const h = createHash('sha256');
    for (const t of tables) {
      const rows = db.prepare(`SELECT * FROM "${t}" ORDER BY 1, 2`).raw().all();
      counts[t] = rows.length;
      h.update(`${t}\n${JSON.stringify(rows)}\n`);
    }
    return { counts, hash: h.digest('hex') };
  } finally {
    db.close();
  }
}

/** `PRAGMA integrity_check` on a closed (or idle) project database. */
export function integrityCheck(projectDir: string): string {
  const db = new Database(join(projectDir, 'activeseg.db'), { fileMustExist: true });
  try {
    return (db.pragma('integrity_check', { simple: true }) as string) ?? '';
  } finally {
    db.close();
  }
}

/** Project-relative paths of every file under `dir` (recursively), sorted; [] when it does not exist. */
export function listFiles(dir: string, root: string = dir): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const name of entries) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listFiles(p, root));
    else out.push(relative(root, p));
  }
  return out.sort();
}
