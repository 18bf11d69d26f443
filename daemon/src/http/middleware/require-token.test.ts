import { Hono } from 'hono';
import { beforeEach, describe, expect, it } from 'vitest';
import { createErrorHandler } from '../on-error.js';
import { requireToken } from './require-token.js';

let app: Hono;
beforeEach(() => {
  app = new Hono();
  app.onError(createErrorHandler(() => {}));
  app.use('*', requireToken({ token: 's3cret-token', allowedOrigins: new Set(['http://ok.test']) }));
  app.get('/api/slides/x/tiles/image/0/0_0.jpeg', (c) => c.text('tile'));
  app.get('/api/slides', (c) => c.text('list'));
  app.post('/api/jobs', (c) => c.text('posted'));
  app.get('/ws', (c) => c.text('upgrade'));
});

describe('requireToken', () => {
  it('401s without or with a wrong token, including a wrong-length one', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer nope' },
      { authorization: 'Bearer s3cret-token-longer' },
    ];
    for (const headers of attempts) {
      const res = await app.request('/api/slides', { headers });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: { code: 'UNAUTHORIZED', message: 'missing or invalid token' } });
    }
  });

  it('accepts the bearer header', async () => {
    const res = await app.request('/api/slides', { headers: { authorization: 'Bearer s3cret-token' } });
    expect(res.status).toBe(200);
  });

  it('accepts ?token= only for tile GETs and the WS upgrade', async () => {
    expect((await app.request('/api/slides/x/tiles/image/0/0_0.jpeg?token=s3cret-token')).status).toBe(200);
    expect((await app.request('/ws?token=s3cret-token')).status).toBe(200);
    expect((await app.request('/api/slides?token=s3cret-token')).status).toBe(401);
    expect((await app.request('/api/jobs?token=s3cret-token', { method: 'POST' })).status).toBe(401);
  });

  it('accepts the token as a WS upgrade subprotocol, so the page never puts it in a URL', async () => {
    const upgrade = (protocols: string) =>
      app.request('/ws', { headers: { upgrade: 'websocket', 'sec-websocket-protocol': protocols } });
    expect((await upgrade('activeseg, activeseg.bearer.s3cret-token')).status).toBe(200);
    expect((await upgrade('activeseg, activeseg.bearer.wrong')).status).toBe(401);
    expect((await upgrade('activeseg')).status).toBe(401);
    // Only on the upgrade: a plain GET cannot smuggle it in that header.
    const plain = await app.request('/api/slides', {
      headers: { 'sec-websocket-protocol': 'activeseg.bearer.s3cret-token' },
    });
    expect(plain.status).toBe(401);
  });

  it('rejects foreign origins on state-changing requests and upgrades, not on plain GETs', async () => {
    const auth = { authorization: 'Bearer s3cret-token' };
    const post = (origin: string) => app.request('/api/jobs', { method: 'POST', headers: { ...auth, origin } });
    expect((await post('http://evil.test')).status).toBe(403);
    expect((await post('http://ok.test')).status).toBe(200);
    expect((await app.request('/api/jobs', { method: 'POST', headers: auth })).status).toBe(200);
    const upgrade = (origin: string) =>
      app.request('/ws?token=s3cret-token', { headers: { upgrade: 'websocket', origin } });
    const res = await upgrade('http://evil.test');
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('ORIGIN_FORBIDDEN');
    expect((await upgrade('http://ok.test')).status).toBe(200);
    expect((await app.request('/api/slides', { headers: { ...auth, origin: 'http://evil.test' } })).status).toBe(200);
  });
});
