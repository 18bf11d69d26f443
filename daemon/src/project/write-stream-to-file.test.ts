import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

describe('writeStreamToFile: announced size, hash and broken connections', () => {
  it('returns the SHA-256 of exactly the bytes written', async () => {
    dir = mkdtempSync(join(tmpdir(), 'activeseg-wstf-'));
    const chunks = [new Uint8Array([1, 2, 3]), new Uint8Array(70_000).fill(7), new Uint8Array([9])];
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const c of chunks) controller.enqueue(c);
        controller.close();
      },
    });
    const path = join(dir, 'x.tmp');
    const result = await writeStreamToFile(stream, path, { maxBytes: 1 << 20, expectedBytes: 70_004 });
    const whole = readFileSync(path);
    expect(result).toEqual({ bytes: 70_004, sha256: createHash('sha256').update(whole).digest('hex') });
    expect(whole.length).toBe(70_004);
  });

  it('a body that ends short of expectedBytes is UPLOAD_TRUNCATED, one past it BAD_REQUEST; no file is kept', async () => {
    dir = mkdtempSync(join(tmpdir(), 'activeseg-wstf-'));
    const path = join(dir, 'up', 'x.tmp');
    await expect(
      writeStreamToFile(countingBody(3).stream, path, { maxBytes: 1 << 30, expectedBytes: 4 << 16 }),
    ).rejects.toMatchObject({ code: 'UPLOAD_TRUNCATED', field: 'size' });
    expect(existsSync(path)).toBe(false);
    await expect(
      writeStreamToFile(countingBody(3).stream, path, {
        maxBytes: 1 << 30,
        expectedBytes: (3 << 16) - 1,
        expectedField: 'content-length',
      }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST', field: 'content-length' });
    expect(existsSync(path)).toBe(false);
  });

  it('a body stream that errors (the client went away) is UPLOAD_TRUNCATED and removes the partial file', async () => {
    dir = mkdtempSync(join(tmpdir(), 'activeseg-wstf-'));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 5) return controller.error(new Error('socket hang up'));
        sent++;
        controller.enqueue(new Uint8Array(1 << 16));
      },
    });
    const path = join(dir, 'x.tmp');
    await expect(writeStreamToFile(stream, path, { maxBytes: 1 << 30 })).rejects.toMatchObject({
      code: 'UPLOAD_TRUNCATED',
      message: `the connection closed after ${5 << 16} bytes`,
    });
    expect(existsSync(path)).toBe(false);
  });
});
