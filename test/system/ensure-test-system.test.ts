import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findCommand } from './find-command.js';

// The set-up step as `npm test` runs it, on a "fresh machine": PATH is a temp folder that hides the real chromium and
// redis-server (others use them, so they stay installed) and holds at most a fake apt-get that logs its arguments
// and "installs" a package by dropping an executable of that name on the same PATH.
const SCRIPT = new URL('./ensure-test-system.ts', import.meta.url).pathname;
const TSX = createRequire(import.meta.url).resolve('tsx');
const ROOT = process.getuid?.() === 0;
const SETPRIV = '/usr/bin/setpriv';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function freshMachine(options: { aptGet: 'installs' | 'installs-nothing' | 'absent'; asUser?: boolean }) {
  const bin = mkdtempSync(join(tmpdir(), 'activeseg-fresh-path-'));
  dirs.push(bin);
  // Writable by the unprivileged user too, so a wrong apt-get call would show in the log.
  chmodSync(bin, 0o777);
  const log = join(bin, 'apt-get.log');
  if (options.aptGet !== 'absent') {
    const install =
      options.aptGet === 'installs'
        ? `for p in "$@"; do case "$p" in -*|install) ;; *) printf '#!/bin/sh\\n' > "${bin}/$p"; /bin/chmod +x "${bin}/$p";; esac; done`
        : ':';
    writeFileSync(
      join(bin, 'apt-get'),
      `#!/bin/sh\necho "DEBIAN_FRONTEND=$DEBIAN_FRONTEND apt-get $*" >> "${log}"\nif [ "$1" = install ]; then ${install}; fi\n`,
    );
    chmodSync(join(bin, 'apt-get'), 0o755);
  }
  const node = [process.execPath, '--import', TSX, SCRIPT, 'test'];
  // As root, setpriv (util-linux) drops to nobody for the non-root case; as a user we already are one.
  const argv = options.asUser && ROOT ? [SETPRIV, '--reuid=65534', '--regid=65534', '--clear-groups', ...node] : node;
  const r = spawnSync(argv[0]!, argv.slice(1), {
    encoding: 'utf8',
    env: { PATH: bin, HOME: bin },
    timeout: 60_000,
  });
  let aptLog: string[] = [];
  try {
    aptLog = readFileSync(log, 'utf8').trim().split('\n');
  } catch {}
  return { bin, status: r.status, output: `${r.stdout}${r.stderr}`, aptLog };
}

describe('ensure-test-system (npm test set-up) on a machine without chromium and redis-server', () => {
  it('as root with apt-get: installs both non-interactively and says so (as a user: asks for sudo)', () => {
    const m = freshMachine({ aptGet: 'installs' });
    if (!ROOT) {
      expect(m.status).toBe(1);
      expect(m.output.trim().split('\n').at(-1)).toBe('run: sudo apt-get install -y chromium redis-server');
      return;
    }
    expect(m.status, m.output).toBe(0);
    expect(m.output).toMatch(/installing chromium redis-server with apt-get \(running as root\)/);
    expect(m.aptLog).toEqual([
      'DEBIAN_FRONTEND=noninteractive apt-get update -qq',
      'DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium redis-server',
    ]);
    expect(findCommand('chromium', { path: m.bin })).toBe(join(m.bin, 'chromium'));
  });

  it('as an unprivileged user with apt-get: exits 1 with the one sudo command and runs no apt-get', () => {
    const m = freshMachine({ aptGet: 'installs', asUser: true });
    expect(m.status, m.output).toBe(1);
    expect(m.output).toMatch(/not root, so they are not installed automatically/);
    expect(m.output.trim().split('\n').at(-1)).toBe('run: sudo apt-get install -y chromium redis-server');
    expect(m.aptLog).toEqual([]);
  });

  it('when apt-get leaves the packages missing: exits 1 naming them', () => {
    const m = freshMachine({ aptGet: 'installs-nothing' });
    expect(m.status).toBe(1);
    expect(m.output).toMatch(
      ROOT ? /still missing after apt-get install: chromium, redis-server/ : /sudo apt-get install -y chromium/,
    );
  });

  it('without apt-get: exits 1 with the Debian command to run', () => {
    const m = freshMachine({ aptGet: 'absent' });
    expect(m.status).toBe(1);
    expect(m.output).toMatch(/no apt-get here/);
    expect(m.output.trim().split('\n').at(-1)).toBe(
      `run: ${ROOT ? '' : 'sudo '}apt-get install -y chromium redis-server`,
    );
  });
});
