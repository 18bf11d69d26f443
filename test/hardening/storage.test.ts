import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { AnnotationAck, AnnotationList, ErrorBody, SlideInfo } from '@activeseg/protocol';
import sharp from 'sharp';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SLIDE } from './harness/fuzz-target.js';
import { bindReadOnly, canMount, mountTmpfs } from './harness/mounts.js';
import { rawRequest } from './harness/run-fuzz.js';
import { spawnDaemon } from './harness/spawn-daemon.js';
import { integrityCheck, listFiles, storeDigest } from './harness/store-digest.js';

// Real filesystems, not an injected fs: a small tmpfs that fills up, and a read-only bind mount over the project's
// annotation and tile-cache folders. Needs mount rights (root, as `npm test` in CI and the dev container run): without
// them the tests fail saying so, they never skip.
const mountable = canMount();
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(projectDir: string) {
  const d = await spawnDaemon({ projectDir, verbose: false });
  cleanups.push(() => d.kill('SIGKILL'));
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${d.origin}${path}`, { method: 'POST', headers: d.headers(), body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as unknown };
  };
  const slide = SlideInfo.parse((await post('/api/slides', { path: DEMO_SLIDE })).body);
  let n = 0;
  const annotate = (clientId = `storage-${n++}-xxxx`) =>
    post('/api/annotations', {
      slideId: slide.id,
      region: { x: 64 * (n % 20), y: 64, width: 64, height: 64 },
      mask: { encoding: 'rle', counts: [2000, 1000, 1096] },
      clientId,
    });
  const tile = async (level: number, col: number, row: number) => {
    const res = await fetch(
      `${d.origin}/api/slides/${slide.id}/tiles/image/${level}/${col}_${row}.jpeg?token=${d.token}`,
    );
    const bytes = Buffer.from(await res.arrayBuffer());
    if (res.status === 200) await sharp(bytes).raw().toBuffer();
    return res.status;
  };
  return { d, slide, post, annotate, tile };
}

const errorOf = (body: unknown) => ErrorBody.parse(body).error;

describe('project folder on a full or read-only filesystem', () => {
  beforeAll(() => {
    if (!mountable) {
      throw new Error('mounting a tmpfs needs root (CAP_SYS_ADMIN): run `sudo npm test`, as CI does');
    }
  });
  it('disk full (tmpfs): annotation writes fail with a clear message, nothing half-written, recovers when freed', async () => {
    const fs = mountTmpfs(24);
    cleanups.push(() => fs.unmount());
    const project = join(fs.path, 'project');
    const { d, annotate, tile, slide } = await setup(project);
    const acked = [AnnotationAck.parse((await annotate()).body), AnnotationAck.parse((await annotate()).body)];
    const before = storeDigest(project);
    const masksBefore = listFiles(join(project, 'annotations'));

    // Fill the filesystem to the last byte.
    const filler = join(fs.path, 'filler');
    mkdirSync(filler);
    const chunk = Buffer.alloc(1 << 20, 1);
    for (let i = 0; i < 64; i++) {
      try {
        writeFileSync(join(filler, `f${i}`), chunk);
      } catch {
        break;
      }
    }
    for (let size = 1 << 16; size >= 1; size >>= 1) {
      try {
        writeFileSync(join(filler, `s${size}`), Buffer.alloc(size));
      } catch {}
    }

    for (let i = 0; i < 3; i++) {
      const r = await annotate(`storage-full-${i}-xxxx`);
      expect(r.status).toBe(507);
      expect(errorOf(r.body)).toMatchObject({ code: 'DISK_FULL', message: expect.stringMatching(/nothing was saved/) });
    }
    // Reads keep working, and a tile that cannot be cached is still served.
    expect(await tile(slide.levels - 1, 1, 1)).toBe(200);
    expect(await tile(slide.levels - 2, 0, 0)).toBe(200);
    expect(storeDigest(project)).toEqual(before);
    expect(listFiles(join(project, 'annotations'))).toEqual(masksBefore);

    rmSync(filler, { recursive: true, force: true });
    const retry = await annotate('storage-full-0-xxxx');
    expect(retry.status).toBe(201);
    await d.kill('SIGKILL');
    expect(integrityCheck(project)).toBe('ok');
    const again = await spawnDaemon({ projectDir: project });
    cleanups.push(() => again.kill('SIGKILL'));
    const list = AnnotationList.parse(
      await (await fetch(`${again.origin}/api/annotations?slideId=${slide.id}`, { headers: again.headers() })).json(),
    );
    expect(list.annotations.slice(0, 2)).toEqual(acked);
    expect(list.annotations).toHaveLength(3);
  });

  it('uploads to a full disk answer 507 DISK_FULL as JSON every time (no socket reset), nothing left behind', async () => {
    const fs = mountTmpfs(3);
    cleanups.push(() => fs.unmount());
    const project = join(fs.path, 'project');
    const { d } = await setup(project);
    const before = storeDigest(project);
    const slidesBefore = listFiles(join(project, 'slides'));
    // Larger than the whole filesystem, so the write fails part-way through the body; and larger than what the
    // HTTP server drains by itself after an early answer (64 MiB), which then drops the keep-alive socket.
    const body = new Uint8Array(80 << 20).fill(7);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(() => agent.destroy());
    const answers: string[] = [];
    for (let i = 0; i < 12; i++) {
      const headers = d.headers({ 'content-type': 'application/octet-stream' });
      try {
        const res = await rawRequest(
          d.origin,
          { method: 'POST', path: `/api/uploads?name=big-${i}.tif`, headers, body },
          { agent },
        );
        const parsed = ErrorBody.safeParse(JSON.parse(res.body));
        answers.push(parsed.success ? `${res.status} ${parsed.data.error.code}` : `${res.status} not JSON`);
      } catch (err) {
        answers.push(`transport: ${(err as Error).message}`);
      }
    }
    expect(answers).toEqual(Array.from({ length: 12 }, () => '507 DISK_FULL'));
    expect(storeDigest(project)).toEqual(before);
    expect(listFiles(join(project, 'slides'))).toEqual(slidesBefore);
  });

  it('read-only annotation and cache folders: clear error, reads and tiles still work, recovers', async () => {
    const fs = mountTmpfs(64);
    cleanups.push(() => fs.unmount());
    const project = join(fs.path, 'project');
    const { d, annotate, tile, slide } = await setup(project);
    AnnotationAck.parse((await annotate()).body);
    expect(await tile(slide.levels - 1, 0, 0)).toBe(200);
    const before = storeDigest(project);
    const slideDir = join(project, 'annotations', slide.id);
    expect(existsSync(slideDir)).toBe(true);
    const undoAnnotations = bindReadOnly(join(project, 'annotations'));
    const undoCache = bindReadOnly(join(project, 'cache'));
    cleanups.push(undoAnnotations, undoCache);

    const r = await annotate();
    expect(r.status).toBe(500);
    expect(errorOf(r.body).message).toMatch(/read-only or not writable: nothing was saved/);
    expect(await tile(slide.levels - 1, 0, 0)).toBe(200); // cached
    expect(await tile(slide.levels - 1, 2, 2)).toBe(200); // rendered, not cacheable
    expect(storeDigest(project)).toEqual(before);

    undoAnnotations();
    undoCache();
    expect((await annotate()).status).toBe(201);
    await d.kill('SIGKILL');
    expect(integrityCheck(project)).toBe('ok');
  });
});
