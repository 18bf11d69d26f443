import { describe, expect, it } from 'vitest';
import { heldBy } from './held-by.js';

const hold = (x: number, y: number) => ({
  holder: 'tab-other',
  region: { x, y, width: 512, height: 512 },
  since: 'now',
});

describe('heldBy', () => {
  it('finds a hold that overlaps the region, and none that only touches its edge', () => {
    const region = { x: 512, y: 512, width: 512, height: 512 };
    expect(heldBy(region, [hold(0, 0), hold(512, 512)])?.region).toEqual(region);
    expect(heldBy(region, [hold(1000, 1000)])).toBeDefined();
    expect(heldBy(region, [hold(0, 0), hold(1024, 512), hold(512, 1024)])).toBeUndefined();
    expect(heldBy(region, [])).toBeUndefined();
  });
});
