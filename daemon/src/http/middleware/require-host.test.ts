import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createErrorHandler } from '../on-error.js';
import { hostnameOf, requireHost } from './require-host.js';

const appWith = (allowedHosts?: string[]) => {
  const app = new Hono();
  app.onError(createErrorHandler(() => {}));
  app.use('*', requireHost(allowedHosts ? { allowedHosts: new Set(allowedHosts) } : {}));
  app.get('/api/health', (c) => c.text('ok'));
  return app;
};
const status = async (app: Hono, host: string) => (await app.request('/api/health', { headers: { host } })).status;

describe('requireHost', () => {
  it('accepts the loopback names with any port', async () => {
    const app = appWith();
    for (const host of ['127.0.0.1:8765', 'localhost:8765', 'LOCALHOST', '[::1]:8765', '[::1]', 'localhost.']) {
      expect(await status(app, host)).toBe(200);
    }
  });

  it('refuses a rebinding name, an IP it does not serve and malformed hosts with 421 HOST_NOT_ALLOWED', async () => {
    const app = appWith();
    for (const host of ['evil.example:8765', 'attacker.test', '10.0.0.5:8765', '127.0.0.1.nip.io', 'a b', '[::1']) {
      const res = await app.request('/api/health', { headers: { host } });
      expect(res.status).toBe(421);
      expect(await res.json()).toMatchObject({ error: { code: 'HOST_NOT_ALLOWED', field: 'host' } });
    }
  });

  it('accepts the configured --host', async () => {
    const app = appWith(['192.168.1.20', 'lab-box']);
    expect(await status(app, '192.168.1.20:8765')).toBe(200);
    expect(await status(app, 'lab-box:8765')).toBe(200);
    expect(await status(app, 'other-box:8765')).toBe(421);
  });

  it('parses host[:port] forms', () => {
    expect(hostnameOf('[::1]:80')).toBe('::1');
    expect(hostnameOf('Example.ORG:1')).toBe('example.org');
    expect(hostnameOf('x:y')).toBeUndefined();
  });
});
