import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { type AnnotationsRepo, createAnnotationsRepo } from './annotations-repo.js';
import { createJobsRepo, type JobsRepo } from './jobs-repo.js';
import { createLearningRepo, type LearningRepo } from './learning-repo.js';
import { createModelVersionsRepo, type ModelVersionsRepo } from './model-versions-repo.js';
import { createScoresRepo, type ScoresRepo } from './scores-repo.js';
import { createSlidesRepo, type SlidesRepo } from './slides-repo.js';
import type { Db } from './sqlite.js';

export type { Db };

export interface Store {
  readonly db: Db;
  readonly slides: SlidesRepo;
  readonly annotations: AnnotationsRepo;
  readonly modelVersions: ModelVersionsRepo;
  readonly jobs: JobsRepo;
  readonly scores: ScoresRepo;
  /** Annotation cost, source and pre-annotation score; served probes; project settings (migration 0003). */
  readonly learning: LearningRepo;
  close(): void;
}

export interface OpenStoreOptions {
  /** How long a writer waits for a lock held by another connection (CLI + daemon on one project). */
  busyTimeoutMs?: number;
  /** Defaults to `<projectDir>/activeseg.db`; `:memory:` for throwaway stores. */
  filename?: string;
}

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/** Opens (creating if needed) the project database and brings its schema up to date. */
export function openStore(projectDir: string, options: OpenStoreOptions = {}): Store {
  mkdirSync(projectDir, { recursive: true });
  const db = new Database(options.filename ?? join(projectDir, 'activeseg.db'));
  // WAL lets tile/suggestion reads proceed while a job writes; synchronous=FULL makes each commit survive
  // power loss, not only a process kill, because an ack to the biologist is a promise the label is kept.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  migrate(db);
  return {
    db,
    slides: createSlidesRepo(db),
    annotations: createAnnotationsRepo(db),
    modelVersions: createModelVersionsRepo(db),
    jobs: createJobsRepo(db),
    scores: createScoresRepo(db),
    learning: createLearningRepo(db),
    close: () => db.close(),
  };
}

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** `NNNN-name.sql` files in order; the number is the schema version (`PRAGMA user_version`) after applying it. */
export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}-[a-z0-9-]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 4)), name: f, sql: readFileSync(join(dir, f), 'utf8') }));
}

export function migrate(db: Db, migrations: Migration[] = loadMigrations()): number {
  const latest = migrations.at(-1)?.version ?? 0;
  const version = () => db.pragma('user_version', { simple: true }) as number;
  let current = version();
  if (current > latest) {
    throw new Error(`project database is schema v${current}, newer than this daemon (v${latest}); upgrade activeseg`);
  }
  for (const m of migrations) {
    if (m.version <= current) continue;
    // One IMMEDIATE transaction per migration, the version read again inside it: a daemon and a worker (or two
    // CLI runs) opening a new project at once must not both apply it ("table slides already exists"); the second
    // waits for the write lock (busy_timeout), then finds the migration done. A failed migration leaves the previous
    // version intact.
    current = db
      .transaction(() => {
        const now = version();
        if (now >= m.version) return now;
        db.exec(m.sql);
        db.pragma(`user_version = ${m.version}`);
        return m.version;
      })
      .immediate();
  }
  return current;
}
