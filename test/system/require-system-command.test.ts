import { describe, expect, it } from 'vitest';
import { requireSystemCommand } from './require-system-command.js';

describe('requireSystemCommand', () => {
  it('returns the path of a command on PATH', () => {
    expect(requireSystemCommand('sh')).toMatch(/\/sh$/);
  });

  it('throws naming the apt-get command and the tests that need it, instead of letting them skip', () => {
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      expect(() => requireSystemCommand('redis-server')).toThrow(
        /^redis-server is not on PATH: run `(sudo )?apt-get install -y redis-server` .*needed by the worker-fleet tests/,
      );
    } finally {
      process.env.PATH = saved;
    }
  });
});
