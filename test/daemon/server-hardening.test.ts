// Daemon-level hardening of a real bound server: the project's persistent token, the Host check on HTTP and WS,
// file modes of everything the daemon writes, and the plain-HTTP warning for non-loopback binds.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AnnotationAck, ErrorBody, SlideInfo } from '@activeseg/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { nonLoopbackWarning } from '../../daemon/src/http/non-loopback-warning.js';
import { type StartServerOptions, type StartServerResult, startServer } from '../../daemon/src/server.js';
import { openStore } from '../../daemon/src/store/db.js';
import { rawRequest } from '../hardening/harness/run-fuzz.js';

const DEMO = new URL('../../demo/axondeepseg-sem/images/sub-rat8_sample-V915.png', import.meta.url).pathname;

const dirs: string[] = [];
const servers: StartServerResult[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'activeseg-srvhard-'));
  dirs.push(d);
  return d;
};
const start = async (options: Partial<StartServerOptions> & { projectDir: string }) => {
  const s = await startServer({ port: 0, host: '127.0.0.1', log: () => {}, ...options });
  servers.push(s);
  return s;
};
const stop = async (s: StartServerResult) => {
  servers.splice(servers.indexOf(s), 1);
  await s.close();
};
const slides = (s: StartServerResult, token = s.token) =>
  fetch(`${s.origin}/api/slides`, { headers: { authorization: `Bearer ${token}` } });

/** Resolves with the HTTP status of a refused upgrade, or 101 when the socket opened. */
const upgradeStatus = (url: string, headers: Record<string, string>) =>
  new Promise<number>((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', reject);
  });

describe('per-project token', () => {
  it('a restart keeps the token (same URL); --new-token rotates it and the old one is refused', async () => {
    const projectDir = tempDir();
    const first = await start({ projectDir });
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(join(projectDir, 'token')).mode & 0o777).toBe(0o600);
    const oldToken = first.token;
    await stop(first);

    const again = await start({ projectDir });
    expect(again.token).toBe(oldToken);
    expect((await slides(again)).status).toBe(200);
    await stop(again);

    const rotated = await start({ projectDir, newToken: true });
    expect(rotated.token).not.toBe(oldToken);
    const refused = await slides(rotated, oldToken);
    expect(refused.status).toBe(401);
    expect(ErrorBody.parse(await refused.json()).error.code).toBe('UNAUTHORIZED');
    expect((await slides(rotated)).status).toBe(200);
    // The page's reconnect (WS with the old ?token=) is refused before the upgrade, with 401.
    const ws = `${rotated.origin.replace('http', 'ws')}/ws?token=`;
    expect(await upgradeStatus(`${ws}${encodeURIComponent(oldToken)}`, { origin: rotated.origin })).toBe(401);
    expect(await upgradeStatus(`${ws}${encodeURIComponent(rotated.token)}`, { origin: rotated.origin })).toBe(101);
  });
});

describe('Host header check', () => {
  it('answers 421 HOST_NOT_ALLOWED to a foreign Host on HTTP (health and page too) and on the WS upgrade', async () => {
    const s = await start({ projectDir: tempDir() });
    const port = new URL(s.origin).port;
    const auth = { authorization: `Bearer ${s.token}` };
    for (const path of ['/api/health', '/', '/api/slides']) {
      const evil = await rawRequest(s.origin, {
        method: 'GET',
        path,
        headers: { ...auth, host: `evil.example:${port}` },
      });
      expect([path, evil.status, ErrorBody.parse(JSON.parse(evil.body)).error.code]).toEqual([
        path,
        421,
        'HOST_NOT_ALLOWED',
      ]);
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
      expect(
        (await rawRequest(s.origin, { method: 'GET', path: '/api/slides', headers: { ...auth, host } })).status,
      ).toBe(200);
    }
    const ws = `${s.origin.replace('http', 'ws')}/ws?token=${encodeURIComponent(s.token)}`;
    expect(await upgradeStatus(ws, { origin: s.origin, host: `rebind.attacker.test:${port}` })).toBe(421);
    expect(await upgradeStatus(ws, { origin: s.origin })).toBe(101);
  });
});

describe('file modes', () => {
  it('the database (with -wal/-shm), masks, uploads and their folders are 0600 / 0700, even under umask 022', async () => {
    const previous = process.umask(0o022);
    try {
      const projectDir = tempDir();
      const s = await start({ projectDir });
      const h = { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' };
      const slide = SlideInfo.parse(
        await (
          await fetch(`${s.origin}/api/slides`, { method: 'POST', headers: h, body: JSON.stringify({ path: DEMO }) })
        ).json(),
      );
      const ann = await fetch(`${s.origin}/api/annotations`, {
        method: 'POST',
        headers: h,
        body: JSON.stringify({
          slideId: slide.id,
          region: { x: 0, y: 0, width: 4, height: 2 },
          mask: { encoding: 'rle', counts: [3, 5] },
          clientId: 'modes-0000',
        }),
      });
      AnnotationAck.parse(await ann.json());
      const tile = await fetch(`${s.origin}/api/slides/${slide.id}/tiles/image/${slide.levels - 1}/0_0.jpeg`, {
        headers: h,
      });
      expect(tile.status).toBe(200);
      const modes: string[] = [];
      const walk = (dir: string) => {
        for (const name of readdirSync(dir)) {
          const p = join(dir, name);
          const st = statSync(p);
          modes.push(`${p.slice(projectDir.length)} ${(st.mode & 0o777).toString(8)}`);
          if (st.isDirectory()) walk(p);
        }
      };
      walk(projectDir);
      expect(modes.length).toBeGreaterThan(6);
      expect(modes.filter((m) => !/ (600|700)$/.test(m))).toEqual([]);
      expect(modes).toContain('/activeseg.db-wal 600');
      expect((statSync(projectDir).mode & 0o777).toString(8)).toBe('700');
    } finally {
      process.umask(previous);
    }
  });
});

describe('file modes of an older project', () => {
  it('a project folder and database made world-readable by an older version are closed off when it opens', async () => {
    const previous = process.umask(0o022);
    try {
      const projectDir = join(tempDir(), 'old');
      mkdirSync(projectDir, { mode: 0o755 });
      openStore(projectDir).close();
      chmodSync(join(projectDir, 'activeseg.db'), 0o644);
      expect(statSync(join(projectDir, 'activeseg.db')).mode & 0o777).toBe(0o644);
      await start({ projectDir });
      expect(statSync(projectDir).mode & 0o777).toBe(0o700);
      expect(statSync(join(projectDir, 'activeseg.db')).mode & 0o777).toBe(0o600);
    } finally {
      process.umask(previous);
    }
  });
});

describe('binding beyond loopback', () => {
  it('warns that traffic is plain HTTP and how to put TLS in front, for 0.0.0.0, :: and a LAN address only', async () => {
    const warnings: string[] = [];
    const s = await start({ projectDir: tempDir(), host: '0.0.0.0', warn: (m) => void warnings.push(m) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/every network interface over plain HTTP/);
    expect(warnings[0]).toMatch(/TLS-terminating reverse proxy/);
    expect(warnings[0]).toMatch(new RegExp(`ssh -L ${new URL(s.origin).port}:127\\.0\\.0\\.1`));
    expect(nonLoopbackWarning('192.168.1.20', 8765)).toMatch(/listening on 192\.168\.1\.20 over plain HTTP/);
    expect(nonLoopbackWarning('::', 8765)).toMatch(/every network interface/);
    for (const host of ['127.0.0.1', '127.0.0.2', 'localhost', '::1'])
      expect(nonLoopbackWarning(host, 1)).toBeUndefined();
  });
});
