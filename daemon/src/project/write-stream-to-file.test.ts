import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeStreamToFile } from './write-stream-to-file.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A body of `chunks` × 64 KiB that records how much of it was read. */
function countingBody(chunks: number) {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled === chunks) return controller.close();
      pulled++;
      controller.enqueue(new Uint8Array(1 << 16));
    },
  });
  return { stream, pulled: () => pulled };
}

describe('writeStreamToFile', () => {
  it('when the file cannot be written, reads the rest of the body so the client gets the answer', async () => {
    dir = mkdtempSync(join(tmpdir(), 'activeseg-wstf-'));
    // A folder under a regular file cannot be created: a write failure before the first byte, like a full disk.
    writeFileSync(join(dir, 'file'), 'x');
    const body = countingBody(40);
    await expect(
      writeStreamToFile(body.stream, join(dir, 'file', 'up', 'x.tmp'), { maxBytes: 1 << 30 }),
    ).rejects.toMatchObject({ code: 'ENOTDIR' });
    expect(body.pulled()).toBe(40);
  });

  it('stops reading at maxBytes (PAYLOAD_TOO_LARGE) and removes the partial file', async () => {
    dir = mkdtempSync(join(tmpdir(), 'activeseg-wstf-'));
    const body = countingBody(1000);
    const path = join(dir, 'up', 'x.tmp');
    await expect(writeStreamToFile(body.stream, path, { maxBytes: 5 << 16 })).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
    });
    expect(body.pulled()).toBeLessThan(10);
    expect(existsSync(path)).toBe(false);
  });
});
