#!/usr/bin/env node
// The CLI is TypeScript run through tsx, so a fresh clone needs no build step.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const tsxLoader = require.resolve('tsx');
const child = spawn(
  process.execPath,
  ['--import', tsxLoader, join(here, '..', 'src', 'cli', 'main.ts'), ...process.argv.slice(2)],
  { stdio: 'inherit' },
);

// Whoever signals this wrapper (npx, a service manager, `kill`) means the CLI: pass the signal on and let the CLI
// shut down (serve and worker stop cleanly), then exit as it did. Without this the daemon outlives the wrapper and
// keeps its port and project.
const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const forward = (signal) => {
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
};
for (const signal of FORWARDED) process.on(signal, forward);

// npx (and npm scripts) run this through `sh -c` and forward their SIGINT/SIGTERM to that shell, which dies without
// passing it on: this process is then re-parented, and that is the only sign of the signal. Under npm only: a
// daemon started with nohup or setsid from a shell must outlive that shell.
if (process.env.npm_command !== undefined) {
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watch);
    forward('SIGTERM');
  }, 200);
  watch.unref();
}

child.on('error', (err) => {
  console.error(`activeseg: could not start the CLI: ${err.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  for (const s of FORWARDED) process.off(s, forward);
  // A child killed by a signal: the shell convention 128 + signal number.
  process.exit(code ?? 128 + (constants.signals[signal] ?? 0));
});
