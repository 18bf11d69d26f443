import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { projectToken } from './project-token.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});
const fresh = () => {
  dir = mkdtempSync(join(tmpdir(), 'activeseg-token-'));
  return dir;
};
const mode = (path: string) => statSync(path).mode & 0o777;

describe('projectToken', () => {
  it('makes a token once, stores it 0600 in the project and returns the same one at the next start', () => {
    const d = fresh();
    const first = projectToken(d);
    expect(first).toMatchObject({ created: true, path: join(d, 'token') });
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(mode(first.path)).toBe(0o600);
    expect(readFileSync(first.path, 'utf8').trim()).toBe(first.token);
    expect(projectToken(d)).toEqual({ ...first, created: false });
  });

  it('rotates on request (serve --new-token): a new token, the old one is gone', () => {
    const d = fresh();
    const old = projectToken(d).token;
    const rotated = projectToken(d, { rotate: true });
    expect(rotated.created).toBe(true);
    expect(rotated.token).not.toBe(old);
    expect(projectToken(d).token).toBe(rotated.token);
    expect(mode(rotated.path)).toBe(0o600);
  });

  it('replaces a file that holds no token, and tightens a readable copy to 0600', () => {
    const d = fresh();
    writeFileSync(join(d, 'token'), 'short\n', { mode: 0o644 });
    const replaced = projectToken(d);
    expect(replaced.created).toBe(true);
    writeFileSync(join(d, 'token'), `${replaced.token}\n`, { mode: 0o644 });
    expect(projectToken(d)).toMatchObject({ token: replaced.token, created: false });
    expect(mode(join(d, 'token'))).toBe(0o600);
  });
});
