import { describe, expect, it } from 'vitest';
import { authHeaders, changeTileUrl, tileUrl, wsEndpoint } from './tile-url.js';

describe('tile urls', () => {
  const base = { daemonUrl: 'http://127.0.0.1:7007/', slideId: 'sl_1' };

  it('image tiles are jpeg without a model version and without the token', () => {
    expect(tileUrl({ ...base, layer: 'image', level: 11, col: 2, row: 3 })).toBe(
      'http://127.0.0.1:7007/api/slides/sl_1/tiles/image/11/2_3.jpeg',
    );
  });

  it('overlay tiles are png and carry layer and model version', () => {
    expect(tileUrl({ ...base, layer: 'uncertainty', level: 4, col: 0, row: 0, modelVersion: 7 })).toBe(
      'http://127.0.0.1:7007/api/slides/sl_1/tiles/uncertainty/4/0_0.png?v=7',
    );
  });

  it("a volume's tiles name their section; section 0 keeps the 2D url", () => {
    expect(tileUrl({ ...base, layer: 'prediction', level: 4, col: 1, row: 0, modelVersion: 2, z: 5 })).toBe(
      'http://127.0.0.1:7007/api/slides/sl_1/tiles/prediction/4/1_0.png?v=2&z=5',
    );
    expect(tileUrl({ ...base, layer: 'image', level: 4, col: 1, row: 0, z: 5 })).toBe(
      'http://127.0.0.1:7007/api/slides/sl_1/tiles/image/4/1_0.jpeg?z=5',
    );
    expect(tileUrl({ ...base, layer: 'image', level: 4, col: 1, row: 0, z: 0 })).toBe(
      'http://127.0.0.1:7007/api/slides/sl_1/tiles/image/4/1_0.jpeg',
    );
  });

  it('the token goes in an Authorization header', () => {
    expect(authHeaders('abc')).toEqual({ Authorization: 'Bearer abc' });
  });

  it('the socket carries the token as a subprotocol, not in its url', () => {
    expect(wsEndpoint({ daemonUrl: 'http://127.0.0.1:7007/', token: 'Ab_9-x' })).toEqual({
      url: 'ws://127.0.0.1:7007/ws',
      protocols: ['activeseg', 'activeseg.bearer.Ab_9-x'],
    });
    expect(wsEndpoint({ daemonUrl: 'https://h', token: 'x' }).url).toBe('wss://h/ws');
  });

  it('a token no subprotocol can hold falls back to the query', () => {
    expect(wsEndpoint({ daemonUrl: 'http://h', token: 't k' })).toEqual({ url: 'ws://h/ws?token=t+k', protocols: [] });
  });
});

describe('changeTileUrl', () => {
  it('names both versions of the comparison, so a cached tile never belongs to another pair', () => {
    expect(changeTileUrl({ daemonUrl: 'http://h:1/', slideId: 'sl_a', level: 9, col: 2, row: 3, from: 2, to: 1 })).toBe(
      'http://h:1/api/slides/sl_a/changes/9/2_3.png?from=2&to=1',
    );
  });
});
