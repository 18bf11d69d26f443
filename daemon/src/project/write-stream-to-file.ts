import { createHash } from 'node:crypto';
import { type FileHandle, mkdir, open, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ApiError } from '../errors/api-error.js';

export interface WriteStreamToFileOptions {
  /** More bytes than this → PAYLOAD_TOO_LARGE, and the partial file is removed. */
  maxBytes: number;
  /**
   * The size the sender announced (Content-Length, or the upload's `size`). Ending short of it is UPLOAD_TRUNCATED,
   * going past it BAD_REQUEST naming `field`; either way the partial file is removed.
   */
  expectedBytes?: number;
  /** The request field `expectedBytes` came from, named in the error (default `size`). */
  expectedField?: string;
  signal?: AbortSignal;
}

export interface WriteStreamToFileResult {
  bytes: number;
  /** SHA-256 of the bytes written, lowercase hex: hashed chunk by chunk, so a duplicate check costs no second read. */
  sha256: string;
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
  const reader = stream.getReader();
  let fh: FileHandle | undefined;
  let bytes = 0;
  const expected = options.expectedBytes;
  const field = options.expectedField ?? 'size';
  const hash = createHash('sha256');
  try {
    await mkdir(dirname(path), { recursive: true });
    fh = await open(path, 'wx');
    for (;;) {
      options.signal?.throwIfAborted();
      const { done, value } = await reader.read().catch(() => {
        // The body stream fails when the client goes away mid-upload (the socket closed before the last byte).
        throw new ApiError('UPLOAD_TRUNCATED', `the connection closed after ${bytes} bytes`);
      });
      if (done) break;
      bytes += value.byteLength;
      if (bytes > options.maxBytes) {
        throw new ApiError('PAYLOAD_TOO_LARGE', `upload over ${options.maxBytes} bytes`);
      }
      if (expected !== undefined && bytes > expected) {
        throw new ApiError('BAD_REQUEST', `the body is longer than the announced ${expected} bytes`, field);
      }
      hash.update(value);
      await fh.write(value);
    }
    if (expected !== undefined && bytes < expected) {
      throw new ApiError('UPLOAD_TRUNCATED', `${bytes} of the announced ${expected} bytes arrived`, field);
    }
  } catch (err) {
    if (fh) {
      await fh.close();
      await rm(path, { force: true });
    }
    // A write failure (disk full) is answered with an error body, but the client is still sending: read the rest
    // and drop it, so it gets the answer instead of a reset socket (the server closes a connection whose body
    // is left unread). Over the limit or aborted, there is nothing worth waiting for.
    if (err instanceof ApiError || options.signal?.aborted) await reader.cancel().catch(() => {});
    else await discardRest(reader, options.maxBytes - bytes).catch(() => {});
    throw err;
  }
  await fh.close();
  return { bytes, sha256: hash.digest('hex') };
}

/** Reads and drops up to `maxBytes` more of a body; cancels the stream if it is longer. */
async function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>, maxBytes: number): Promise<void> {
  let left = maxBytes;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    left -= value.byteLength;
    if (left < 0) {
      await reader.cancel();
      return;
    }
  }
}
