import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadMigrations, migrate, openStore } from './db.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'activeseg-db-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('openStore', () => {
  it('creates the schema with WAL, foreign keys and user_version', () => {
    const store = openStore(dir);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(store.db.pragma('user_version', { simple: true })).toBe(loadMigrations().at(-1)?.version);
    const tables = store.db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
      .all()
      .map((r) => r.name);
    expect(tables).toEqual([
      'annotation_learning',
      'annotation_patches',
      'annotations',
      'jobs',
      'model_versions',
      'probe_cells',
      'project_settings',
      'scores',
      'slides',
    ]);
    store.close();
    // Re-opening applies nothing twice.
    const again = openStore(dir);
    expect(again.slides.list()).toEqual([]);
    again.close();
  });

  it('enforces foreign keys', () => {
    const store = openStore(dir);
    expect(() =>
      store.annotations.insert({
        id: 'an_1',
        slideId: 'missing',
        clientId: 'c-00000001',
        x: 0,
        y: 0,
        width: 1,
        height: 1,
        maskPath: 'm.png',
        foregroundPixels: 0,
        createdAt: 'now',
        patches: [],
        version: 1,
      }),
    ).toThrow(/FOREIGN KEY/);
    store.close();
  });

  it('applies only newer migrations, each in its own transaction, and refuses a newer database', () => {
    const store = openStore(dir);
    const migDir = mkdtempSync(join(tmpdir(), 'activeseg-mig-'));
    writeFileSync(join(migDir, '0001-init.sql'), 'CREATE TABLE a (x INTEGER);');
    writeFileSync(join(migDir, '0002-broken.sql'), 'CREATE TABLE b (x INTEGER); SELEC nonsense;');
    const mem = new (store.db.constructor as new (f: string) => typeof store.db)(':memory:');
    expect(() => migrate(mem, loadMigrations(migDir))).toThrow();
    expect(mem.pragma('user_version', { simple: true })).toBe(1);
    expect(mem.prepare("SELECT name FROM sqlite_master WHERE name = 'b'").get()).toBeUndefined();
    mem.pragma('user_version = 99');
    expect(() => migrate(mem, loadMigrations(migDir))).toThrow(/newer than this daemon/);
    rmSync(migDir, { recursive: true, force: true });
    store.close();
  });

  it('marks interrupted jobs failed', () => {
    const store = openStore(dir);
    const base = { params: {}, progressDone: 0, progressTotal: 0, errorCode: null, errorMessage: null, createdAt: 't' };
    store.jobs.insert({ ...base, id: 'jb_a', kind: 'infer', state: 'queued', startedAt: null, finishedAt: null });
    store.jobs.setState('jb_a', 'running', 't1');
    store.jobs.insert({ ...base, id: 'jb_b', kind: 'train', state: 'queued', startedAt: null, finishedAt: null });
    expect(store.jobs.failInterrupted('t2', 'DAEMON_RESTARTED', 'daemon restarted').sort()).toEqual(['jb_a', 'jb_b']);
    expect(store.jobs.get('jb_a')).toMatchObject({ state: 'failed', errorCode: 'DAEMON_RESTARTED', finishedAt: 't2' });
    store.close();
  });

  it('migration 0006 keeps a 2D project: its slides get one section, its annotations and scores section 0', () => {
    // A project at schema 0002 (before volumes) with one slide, one annotation and one score.
    const db = new Database(join(dir, 'v2.db'));
    migrate(
      db,
      loadMigrations().filter((m) => m.version <= 2),
    );
    db.exec(`INSERT INTO slides (id, name, source_path, read_path, width, height, format, created_at)
             VALUES ('sl_a', 'a', '/a.png', '/a.png', 10, 10, 'png', 't')`);
    db.exec(`INSERT INTO annotations (id, slide_id, client_id, x, y, width, height, mask_path, foreground_pixels, created_at)
             VALUES ('an_a', 'sl_a', 'client-0001', 0, 0, 2, 2, 'm.png', 1, 't')`);
    db.exec(`INSERT INTO annotation_patches VALUES ('an_a', 'sl_a', 0, 0, 512, 4)`);
    db.exec(`INSERT INTO scores (slide_id, model_version, col, row, size, score, mean_fg, mean_std, map_path, created_at)
             VALUES ('sl_a', 1, 0, 0, 512, 0.5, 0.2, 0.1, 'maps/x.u8', 't')`);
    migrate(db);
    expect(db.prepare('SELECT sections FROM slides').get()).toEqual({ sections: 1 });
    expect(db.prepare('SELECT z FROM annotations').get()).toEqual({ z: 0 });
    expect(db.prepare('SELECT z FROM annotation_patches').get()).toEqual({ z: 0 });
    expect(db.prepare('SELECT z, score, map_path FROM scores').get()).toEqual({
      z: 0,
      score: 0.5,
      map_path: 'maps/x.u8',
    });
    // The same cell on another section is a second score, not a conflict.
    db.exec(`INSERT INTO scores (slide_id, model_version, z, col, row, size, score, mean_fg, mean_std, map_path, created_at)
             VALUES ('sl_a', 1, 3, 0, 0, 512, 0.9, 0.2, 0.1, 'maps/v1/z3/0_0.u8', 't')`);
    expect(db.prepare('SELECT COUNT(*) AS n FROM scores').get()).toEqual({ n: 2 });
    db.close();
  });
});

describe('several processes opening one new project at once', () => {
  it('all succeed: each migration is applied once, inside a write transaction that reads the version again', async () => {
    const shared = mkdtempSync(join(tmpdir(), 'activeseg-mig-race-'));
    const dbModule = fileURLToPath(new URL('./db.ts', import.meta.url));
    // Every child opens the store at the same wall-clock moment, so their first reads of user_version coincide.
    const startAt = Date.now() + 1500;
    const code = `const { openStore } = await import(${JSON.stringify(dbModule)});
      while (Date.now() < ${startAt}) {}
      const s = openStore(${JSON.stringify(shared)}, { busyTimeoutMs: 20000 });
      s.close();`;
    const runs = Array.from(
      { length: 6 },
      () =>
        new Promise<{ code: number | null; stderr: string }>((resolve) => {
          const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
            stdio: ['ignore', 'ignore', 'pipe'],
          });
          let stderr = '';
          child.stderr.on('data', (d: Buffer) => {
            stderr += d.toString();
          });
          child.on('exit', (c) => resolve({ code: c, stderr }));
        }),
    );
    const results = await Promise.all(runs);
    expect(results.filter((r) => r.code !== 0).map((r) => r.stderr.slice(0, 300))).toEqual([]);
    const store = openStore(shared);
    expect(store.db.pragma('user_version', { simple: true })).toBe(loadMigrations().at(-1)?.version);
    store.close();
    rmSync(shared, { recursive: true, force: true });
  }, 60_000);
});
