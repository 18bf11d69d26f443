import { ERROR_CODES, type ErrorCode } from '@activeseg/protocol';
import { describe, expect, it } from 'vitest';
import { slideInfo } from '../testing/slide-info.js';
import { describeError, ERROR_MESSAGES } from './describe-error.js';
import { createHttpClient, DaemonError, type FetchLike } from './http-client.js';
import type { UploadRequest, UploadTransport } from './xhr-upload.js';

interface Call {
  url: string;
  init: RequestInit | undefined;
}

function fakeFetch(status: number, body: unknown): { fetch: FetchLike; calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    fetch: async (url, init) => {
      calls.push({ url, init });
      return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status });
    },
  };
}

const slide = slideInfo('sl_1', { name: 'a.png' });

describe('createHttpClient', () => {
  it('sends the bearer token and parses the response', async () => {
    const f = fakeFetch(200, { slides: [slide] });
    const client = createHttpClient({ daemonUrl: 'http://d:1/', token: 'tok', fetch: f.fetch });
    const list = await client.listSlides();
    expect(list.slides[0]?.id).toBe('sl_1');
    expect(f.calls[0]?.url).toBe('http://d:1/api/slides');
    expect((f.calls[0]!.init!.headers as Record<string, string>).authorization).toBe('Bearer tok');
  });

  it('posts annotations as JSON', async () => {
    const ack = { id: 'an_1', slideId: 'sl_1', clientId: 'client-0001', patches: [] };
    const f = fakeFetch(201, ack);
    const client = createHttpClient({ daemonUrl: 'http://d', token: 't', fetch: f.fetch });
    const req = {
      slideId: 'sl_1',
      region: { x: 0, y: 0, width: 2, height: 1 },
      mask: { encoding: 'rle' as const, counts: [1, 1] },
      clientId: 'client-0001',
    };
    await expect(client.submitAnnotation(req)).resolves.toEqual(ack);
    expect(f.calls[0]?.init?.method).toBe('POST');
    expect(JSON.parse(f.calls[0]?.init?.body as string)).toEqual(req);
  });

  it('maps protocol error bodies to readable DaemonErrors', async () => {
    const f = fakeFetch(404, { error: { code: 'SLIDE_NOT_FOUND', message: 'no slide sl_x' } });
    const client = createHttpClient({ daemonUrl: 'http://d', token: 't', fetch: f.fetch });
    const err = await client.getSlide('sl_x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DaemonError);
    expect((err as DaemonError).code).toBe('SLIDE_NOT_FOUND');
    expect((err as DaemonError).status).toBe(404);
    expect((err as DaemonError).message).toBe('That slide is not in this project: no slide sl_x');
  });

  it('reports non-protocol errors, bad bodies and unreachable daemons in words', async () => {
    const html = createHttpClient({ daemonUrl: 'http://d', token: 't', fetch: fakeFetch(502, '<html>').fetch });
    await expect(html.listSlides()).rejects.toThrow('The daemon answered 502');
    const wrong = createHttpClient({ daemonUrl: 'http://d', token: 't', fetch: fakeFetch(200, { slides: 3 }).fetch });
    await expect(wrong.listSlides()).rejects.toThrow(/Unexpected response to GET \/api\/slides: slides:/);
    const down = createHttpClient({
      daemonUrl: 'http://d',
      token: 't',
      fetch: async () => {
        throw new TypeError('fetch failed');
      },
    });
    await expect(down.health()).rejects.toThrow('Cannot reach the daemon at http://d (GET /api/health)');
  });

  it("checkToken says refused only on the daemon's UNAUTHORIZED, unknown when it is down or failing", async () => {
    const check = (fetch: FetchLike) => createHttpClient({ daemonUrl: 'http://d', token: 't', fetch }).checkToken();
    await expect(check(fakeFetch(200, { slides: [slide] }).fetch)).resolves.toBe('accepted');
    await expect(
      check(fakeFetch(401, { error: { code: 'UNAUTHORIZED', message: 'missing or invalid token' } }).fetch),
    ).resolves.toBe('refused');
    await expect(check(fakeFetch(502, '<html>').fetch)).resolves.toBe('unknown');
    await expect(
      check(async () => {
        throw new TypeError('fetch failed');
      }),
    ).resolves.toBe('unknown');
  });

  it('builds query strings for suggestions and uploads', async () => {
    const f = fakeFetch(200, { slideId: 'sl_1', modelVersion: null, suggestions: [] });
    const client = createHttpClient({ daemonUrl: 'http://d', token: 't', fetch: f.fetch });
    await client.listSuggestions({ slideId: 'sl_1', k: 5 });
    expect(f.calls[0]?.url).toBe('http://d/api/suggestions?slideId=sl_1&k=5');
  });
});

describe('uploadSlide', () => {
  const answering =
    (status: number, body: unknown, seen: UploadRequest[] = []): UploadTransport =>
    async (req) => {
      seen.push(req);
      req.onProgress?.({ sentBytes: req.body.size, totalBytes: req.body.size });
      return { status, statusText: '', text: JSON.stringify(body) };
    };

  it('sends the file itself with its name and size, the token, and reports progress', async () => {
    const seen: UploadRequest[] = [];
    const client = createHttpClient({ daemonUrl: 'http://d/', token: 't', upload: answering(201, slide, seen) });
    const file = new Blob([new Uint8Array(4)]);
    const progress: number[] = [];
    const info = await client.uploadSlide(file, {
      name: 'my slide.tif',
      duplicate: 'refuse',
      onProgress: (p) => progress.push(p.sentBytes),
    });
    expect(info.id).toBe('sl_1');
    expect(seen[0]?.url).toBe('http://d/api/uploads?name=my%20slide.tif&size=4&duplicate=refuse');
    expect(seen[0]?.body).toBe(file);
    expect(seen[0]?.headers).toMatchObject({ authorization: 'Bearer t', 'content-type': 'application/octet-stream' });
    expect(progress).toEqual([4]);
  });

  it("turns the daemon's SLIDE_DUPLICATE into a DaemonError with its words; a lost connection into 'cannot reach'", async () => {
    const dup = createHttpClient({
      daemonUrl: 'http://d',
      token: 't',
      upload: answering(409, { error: { code: 'SLIDE_DUPLICATE', message: 'same bytes as “a.tif” (sl_1)' } }),
    });
    const err = await dup.uploadSlide(new Blob(['x']), { name: 'a.tif' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SLIDE_DUPLICATE', status: 409 });
    expect((err as DaemonError).message).toContain('same bytes as “a.tif” (sl_1)');
    const gone = createHttpClient({
      daemonUrl: 'http://d',
      token: 't',
      upload: async () => {
        throw new TypeError('network');
      },
    });
    await expect(gone.uploadSlide(new Blob(['x']))).rejects.toThrow('Cannot reach the daemon at http://d');
    const cancelled = createHttpClient({
      daemonUrl: 'http://d',
      token: 't',
      upload: async () => {
        throw new DOMException('cancelled', 'AbortError');
      },
    });
    await expect(cancelled.uploadSlide(new Blob(['x']))).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('describeError', () => {
  it('has words for every protocol error code', () => {
    for (const code of Object.values(ERROR_CODES) as ErrorCode[])
      expect(ERROR_MESSAGES[code].length).toBeGreaterThan(5);
  });

  it('adds the field and the daemon detail once', () => {
    expect(describeError('BAD_REQUEST', { field: 'region.width', detail: 'too small' })).toBe(
      'The daemon rejected the request as malformed (region.width): too small',
    );
    expect(describeError('JOB_CANCELLED', { detail: 'The job was cancelled' })).toBe('The job was cancelled');
  });
});
