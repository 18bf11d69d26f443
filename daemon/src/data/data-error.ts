/**
 * Every way a training data set can be unusable. The loader never "repairs" data (no cropping, no resizing,
 * no guessing of mask values), so each of these stops the load and names the file at fault.
 */
export const DATA_ERROR_CODES = [
  /** A path (image, mask, folder, or the partner of an image/mask) does not exist. */
  'FILE_NOT_FOUND',
  /** The file exists but could not be decoded: truncated, corrupt, zero bytes, or not an image at all. */
  'UNREADABLE_IMAGE',
  /** An image and its mask differ in width or height. */
  'SIZE_MISMATCH',
  /** A mask holds raw values the mask mapping does not account for. */
  'MASK_VALUES',
  /** No image/mask pairs, or no pixels to compute statistics on. */
  'EMPTY_DATASET',
  /** No decoder for the file (unknown extension, volume, unsupported pixel type). */
  'UNSUPPORTED_FORMAT',
  /** Two files in one folder share an id (e.g. `a.png` and `a.tif`), so pairing would be a guess. */
  'DUPLICATE_ID',
] as const;

export type DataErrorCode = (typeof DATA_ERROR_CODES)[number];

export interface DataErrorOptions {
  /** The file (or folder) the error is about, kept separately so callers need not parse the message. */
  path?: string;
  cause?: unknown;
}

/** A data-set problem; `message` always names the file and what is wrong with it. */
export class DataError extends Error {
  override readonly name = 'DataError';
  readonly code: DataErrorCode;
  readonly path: string | undefined;

  constructor(code: DataErrorCode, message: string, options: DataErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.path = options.path;
  }
}
