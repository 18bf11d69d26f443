import { describe, expect, it } from 'vitest';
import { dziUrl, tileUrl, wsUrl } from './tile-url.js';

describe('tile urls', () => {
  const base = { daemonUrl: 'http://127.0.0.1:7007/', token: 't k', slideId: 'sl_1' };

  it('image tiles are jpeg without a model version', () => {
    expect(tileUrl({ ...base, layer: 'image', level: 11, col: 2, row: 3 })).toBe(
      'http://127.0.0.1:7007/api/slides/sl_1/tiles/image/11/2_3.jpeg?token=t+k',
    );
  });

  it('overlay tiles are png and carry layer and model version', () => {
    expect(tileUrl({ ...base, layer: 'uncertainty', level: 4, col: 0, row: 0, modelVersion: 7 })).toBe(
      'http://127.0.0.1:7007/api/slides/sl_1/tiles/uncertainty/4/0_0.png?v=7&token=t+k',
    );
  });

  it('dzi and ws urls', () => {
    expect(dziUrl(base)).toBe('http://127.0.0.1:7007/api/slides/sl_1/image.dzi?token=t%20k');
    expect(wsUrl(base)).toBe('ws://127.0.0.1:7007/ws?token=t+k');
    expect(wsUrl({ daemonUrl: 'https://h', token: 'x' })).toBe('wss://h/ws?token=x');
  });
});
