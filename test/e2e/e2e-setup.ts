import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { requireSystemCommand } from '../system/require-system-command.js';

/** What the browser tests share: the repo's paths, the built page, a slide added over HTTP, Chromium. */
export const REPO = new URL('../../', import.meta.url).pathname;
export const PAGE = join(REPO, 'viewer-plugin', 'dist', 'page', 'index.html');
export const ARTIFACTS = join(REPO, 'test-artifacts', 'e2e');
export const DEMO_IMAGE = join(REPO, 'demo', 'axondeepseg-sem', 'images', 'sub-rat8_sample-V915.png');

/** Builds the viewer page when a test runs without `npm test`'s pretest build; screenshots go to ARTIFACTS. */
export function ensureViewerBuilt(): void {
  mkdirSync(ARTIFACTS, { recursive: true });
  if (!existsSync(PAGE)) execFileSync('npm', ['run', 'build', '-w', 'viewer-plugin'], { cwd: REPO, stdio: 'inherit' });
}

/** `POST /api/slides` by path; returns the new slide's id. */
export async function addSlideByPath(origin: string, token: string, path: string = DEMO_IMAGE): Promise<string> {
  const res = await fetch(`${origin}/api/slides`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ path }),
  });
  if (res.status !== 201) throw new Error(`adding ${path}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

/** Debian's Chromium, headless; fails naming the install command when it is missing (never a skip). */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: requireSystemCommand('chromium'),
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', ...extraArgs],
  });
}
