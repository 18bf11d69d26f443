import { mkdir, open, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ApiError } from '../errors/api-error.js';

export interface WriteStreamToFileOptions {
  /** More bytes than this → PAYLOAD_TOO_LARGE, and the partial file is removed. */
  maxBytes: number;
  signal?: AbortSignal;
}

export interface WriteStreamToFileResult {
  bytes: number;
}

/**
 * Streams a request body to `path` chunk by chunk (awaiting each write, so a slow disk back-pressures the
 * socket), counting bytes as they arrive: a body without Content-Length, or one that lies about it, is
 * still cut off at `maxBytes`. The file is created exclusively and removed on any failure.
 */
export async function writeStreamToFile(
  stream: ReadableStream<Uint8Array>,
  path: string,
  options: WriteStreamToFileOptions,
): Promise<WriteStreamToFileResult> {
  await mkdir(dirname(path), { recursive: true });
  const fh = await open(path, 'wx');
  const reader = stream.getReader();
  let bytes = 0;
  try {
    for (;;) {
      options.signal?.throwIfAborted();
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      if (bytes > options.maxBytes) {
        throw new ApiError('PAYLOAD_TOO_LARGE', `upload over ${options.maxBytes} bytes`);
      }
      await fh.write(value);
    }
  } catch (err) {
    await reader.cancel().catch(() => {});
    await fh.close();
    await rm(path, { force: true });
    throw err;
  }
  await fh.close();
  return { bytes };
}
