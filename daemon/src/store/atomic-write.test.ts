import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { atomicWrite } from './atomic-write.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'activeseg-aw-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('creates parent folders, replaces whole files and leaves no temp files', async () => {
  const file = join(dir, 'a', 'b', 'map.u8');
  await atomicWrite(file, new Uint8Array([1, 2, 3]));
  await atomicWrite(file, new Uint8Array([9, 8]));
  expect([...readFileSync(file)]).toEqual([9, 8]);
  expect(readdirSync(join(dir, 'a', 'b'))).toEqual(['map.u8']);
});

it('cleans up its temp file when the target cannot be replaced', async () => {
  const target = join(dir, 'is-a-dir');
  await atomicWrite(join(target, 'x'), new Uint8Array([1]));
  await expect(atomicWrite(target, new Uint8Array([1]))).rejects.toThrow();
  expect(readdirSync(dir)).toEqual(['is-a-dir']);
});
