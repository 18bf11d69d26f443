import { join } from 'node:path';
import { AnnotationAck, SlideInfo } from '@activeseg/protocol';
import type { FuzzContext } from './fuzz-cases.js';
import { type DaemonProcess, REPO_ROOT, spawnDaemon } from './spawn-daemon.js';

export const DEMO_SLIDE = join(REPO_ROOT, 'demo/axondeepseg-sem/images/sub-rat8_sample-V915.png');
export const FUZZ_MAX_ANNOTATION_PIXELS = 10_000;

/**
 * A daemon (child process, no engine) on a fresh project with one slide and one annotation, and the context
 * the fuzz generator needs. maxAnnotationPixels is lowered so in-bounds regions can hit ANNOTATION_TOO_LARGE.
 */
export async function startFuzzTarget(
  projectDir: string,
  config: Record<string, unknown> = {},
): Promise<{ daemon: DaemonProcess; ctx: FuzzContext }> {
  const daemon = await spawnDaemon({
    projectDir,
    config: { maxAnnotationPixels: FUZZ_MAX_ANNOTATION_PIXELS, ...config },
  });
  const headers = daemon.headers();
  const slideRes = await fetch(`${daemon.origin}/api/slides`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ path: DEMO_SLIDE }),
  });
  const slide = SlideInfo.parse(await slideRes.json());
  const seededClientId = 'fuzz-seed-0001';
  const annRes = await fetch(`${daemon.origin}/api/annotations`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      slideId: slide.id,
      region: { x: 0, y: 0, width: 4, height: 2 },
      mask: { encoding: 'rle', counts: [2, 3, 3] },
      clientId: seededClientId,
    }),
  });
  AnnotationAck.parse(await annRes.json());
  return {
    daemon,
    ctx: {
      slideId: slide.id,
      slideWidth: slide.width,
      slideHeight: slide.height,
      seededClientId,
      maxAnnotationPixels: FUZZ_MAX_ANNOTATION_PIXELS,
      token: daemon.token,
    },
  };
}
