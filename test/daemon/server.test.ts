import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AnnotationAck, ErrorBody, ServerMessage, SlideInfo } from '@activeseg/protocol';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type StartServerResult, startServer } from '../../daemon/src/server.js';

const DEMO = new URL('../../demo/axondeepseg-sem/images/sub-rat8_sample-V915.png', import.meta.url).pathname;

let dir: string;
let server: StartServerResult;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'activeseg-server-'));
  server = await startServer({ projectDir: dir, port: 0, host: '127.0.0.1', log: () => {} });
});
afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const auth = () => ({ authorization: `Bearer ${server.token}`, 'content-type': 'application/json' });

/** Collects parsed frames; `next(type)` waits for the next frame of that type. */
function openClient(url: string, origin: string) {
  const ws = new WebSocket(url, { origin });
  const frames: ServerMessage[] = [];
  const waiters: { type: string; resolve: (m: ServerMessage) => void }[] = [];
  ws.on('message', (data) => {
    const msg = ServerMessage.parse(JSON.parse(String(data)));
    frames.push(msg);
    const i = waiters.findIndex((w) => w.type === msg.type);
    if (i >= 0) waiters.splice(i, 1)[0]?.resolve(msg);
  });
  return {
    ws,
    frames,
    opened: new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    }),
    next: (type: ServerMessage['type']) => new Promise<ServerMessage>((resolve) => waiters.push({ type, resolve })),
  };
}

describe('startServer (real port)', () => {
  it('binds loopback with a random base64url token in the URL', () => {
    expect(server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(server.url).toBe(`${server.origin}/?token=${server.token}`);
  });

  it('401s without token, serves DZI tiles, WS with origin checks, BAD_MESSAGE, annotations', async () => {
    expect((await fetch(`${server.origin}/api/health`)).status).toBe(200);
    const denied = await fetch(`${server.origin}/api/slides`);
    expect(denied.status).toBe(401);
    expect(ErrorBody.parse(await denied.json()).error.code).toBe('UNAUTHORIZED');

    const added = await fetch(`${server.origin}/api/slides`, {
      method: 'POST',
      headers: { ...auth(), origin: server.origin },
      body: JSON.stringify({ path: DEMO }),
    });
    expect(added.status).toBe(201);
    const slide = SlideInfo.parse(await added.json());

    const tile = await fetch(`${server.origin}/api/slides/${slide.id}/tiles/image/10/1_1.jpeg?token=${server.token}`);
    expect(tile.status).toBe(200);
    expect(await sharp(Buffer.from(await tile.arrayBuffer())).metadata()).toMatchObject({
      format: 'jpeg',
      width: 256,
      height: 256,
    });

    // Foreign origin: refused before the upgrade (never accepted then closed).
    const evil = openClient(`${server.origin.replace('http', 'ws')}/ws?token=${server.token}`, 'http://evil.test');
    await expect(evil.opened).rejects.toThrow(/403/);
    const noToken = openClient(`${server.origin.replace('http', 'ws')}/ws`, server.origin);
    await expect(noToken.opened).rejects.toThrow(/401/);

    const client = openClient(`${server.origin.replace('http', 'ws')}/ws?token=${server.token}`, server.origin);
    await client.opened;
    const welcome = client.next('welcome');
    client.ws.send(JSON.stringify({ type: 'hello', protocolVersion: 1 }));
    expect(await welcome).toMatchObject({ type: 'welcome', protocolVersion: 1, backend: 'none', modelVersion: 0 });

    const error = client.next('error');
    client.ws.send('{"type":"hello"');
    expect(await error).toMatchObject({ code: 'BAD_MESSAGE' });
    expect(client.ws.readyState).toBe(WebSocket.OPEN);

    const res = await fetch(`${server.origin}/api/annotations`, {
      method: 'POST',
      headers: { ...auth(), origin: server.origin },
      body: JSON.stringify({
        slideId: slide.id,
        region: { x: 100, y: 100, width: 3, height: 2 },
        mask: { encoding: 'rle', counts: [2, 3, 1] },
        clientId: 'server-test-0001',
      }),
    });
    expect(res.status).toBe(201);
    expect(AnnotationAck.parse(await res.json()).patches).toHaveLength(1);

    // Jobs need an engine; this daemon has none wired and says so.
    const job = await fetch(`${server.origin}/api/jobs`, {
      method: 'POST',
      headers: auth(),
      body: JSON.stringify({ kind: 'infer', slideId: slide.id }),
    });
    expect(job.status).toBe(503);
    expect(ErrorBody.parse(await job.json()).error.code).toBe('MODEL_NOT_READY');
    client.ws.close();
  });
});
