import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { openStore, type Store } from '../store/db.js';

/** Test support only: a fresh project database in a temp folder for every test of the calling file. */
export function useTempStore(): { readonly store: Store } {
  let dir = '';
  let store: Store | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'activeseg-store-'));
    store = openStore(dir);
  });
  afterEach(() => {
    store?.close();
    store = undefined;
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    get store(): Store {
      if (!store) throw new Error('useTempStore: the store exists only inside a test');
      return store;
    },
  };
}
