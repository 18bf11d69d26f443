import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveStaticPath } from './resolve-static-path.js';

const root = '/srv/page';

describe('resolveStaticPath', () => {
  it('maps plain names and sub-folders inside the root', () => {
    expect(resolveStaticPath(root, 'index-Ab12_c-9.js')).toEqual({ ok: true, path: join(root, 'index-Ab12_c-9.js') });
    expect(resolveStaticPath(root, 'a/tiff-read-image.wasm.zst')).toEqual({
      ok: true,
      path: join(root, 'a', 'tiff-read-image.wasm.zst'),
    });
  });

  it('refuses traversal in every spelling, NUL, backslashes and empty segments', () => {
    for (const raw of [
      '',
      '..',
      '../secret',
      'a/../../secret',
      './x.js',
      '%2e%2e/secret',
      '.%2e/secret',
      '%2E%2E%2Fsecret',
      '..%2fsecret',
      '..%5csecret',
      'x.js%00.png',
      'x.js\0',
      '..\\secret',
      'a\\..\\..\\secret',
      '/etc/passwd',
      'a//b.js',
      'a/',
      'x y.js',
    ]) {
      expect(resolveStaticPath(root, raw), JSON.stringify(raw)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('treats dotfiles as hidden', () => {
    expect(resolveStaticPath(root, '.env')).toEqual({ ok: false, reason: 'hidden' });
    expect(resolveStaticPath(root, 'a/.git')).toEqual({ ok: false, reason: 'hidden' });
  });
});
