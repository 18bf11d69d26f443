import type { ErrorCode } from '@activeseg/protocol';

/**
 * What each daemon error means to the biologist, keyed by the protocol's ERROR_CODES. Typed as a full
 * Record so adding a code to the protocol fails the viewer's typecheck until it has words here.
 */
export const ERROR_MESSAGES: Record<ErrorCode, string> = {
  BAD_REQUEST: 'The daemon rejected the request as malformed',
  BAD_MESSAGE: 'The daemon could not understand a message from the viewer',
  PROTOCOL_MISMATCH: 'The viewer and the daemon are different versions; reload the page',
  PROTOCOL_VIOLATION: 'The viewer broke the message protocol; the daemon closed the connection',
  RATE_LIMITED: 'The viewer sent messages too fast; the daemon closed the connection',
  UNAUTHORIZED:
    "This page's access token was refused by the daemon (it was restarted with a new token, or the token was rotated with --new-token). Open the URL the daemon printed when it started (activeseg serve prints it)",
  ORIGIN_FORBIDDEN: 'This page is not allowed to talk to the daemon (origin not allowed)',
  HOST_NOT_ALLOWED: 'The daemon only answers under 127.0.0.1, localhost or the host it was started with',
  NOT_FOUND: 'The daemon does not know this address',
  SLIDE_NOT_FOUND: 'That slide is not in this project',
  SLIDE_FILE_NOT_FOUND: 'The slide file does not exist or cannot be read',
  SLIDE_UNSUPPORTED_FORMAT: 'The daemon cannot read this image format',
  SLIDE_CORRUPT: 'The image file is corrupt or truncated',
  SLIDE_METADATA_INVALID: 'The OME-Zarr store’s metadata is missing or inconsistent',
  SLIDE_AXES_UNSUPPORTED: 'The store has axes activeseg cannot show yet (time points or several channels)',
  SLIDE_CODEC_UNSUPPORTED: 'The store uses a compressor or data type activeseg cannot read',
  SLIDE_SECTIONS_MISMATCH: 'The sections of this volume differ in size; every section must have the same size',
  SLIDE_TOO_MANY_SECTIONS: 'The volume has more sections than activeseg accepts',
  SECTION_OUT_OF_RANGE: 'That section is past the last section of this volume',
  EXPORT_PATH_EXISTS: 'Something already exists at the export path; choose another or remove it',
  SLIDE_TOO_LARGE: 'The image is larger than the daemon allows',
  TILE_OUT_OF_RANGE: 'A tile outside the slide was requested',
  LAYER_NOT_AVAILABLE: 'No model output yet for this slide; run inference first',
  MODEL_VERSION_NOT_FOUND: 'This slide has no model output for that model version',
  ANNOTATION_OUT_OF_BOUNDS: 'The annotation lies outside the slide',
  ANNOTATION_TOO_LARGE: 'The annotation region is too large',
  ANNOTATION_MASK_INVALID: 'The annotation mask could not be decoded',
  ANNOTATION_MODEL_VERSION_UNKNOWN: 'The annotation names a model version this project does not have; reload the page',
  IDEMPOTENCY_CONFLICT: 'This annotation id was already used for another region',
  SLIDE_HAS_ANNOTATIONS: 'The slide has annotations; confirm to delete them with it',
  JOB_NOT_FOUND: 'That job does not exist',
  JOB_ALREADY_RUNNING: 'An equivalent job is already queued or running',
  JOB_NOT_CANCELLABLE: 'The job already finished and cannot be cancelled',
  JOB_CANCELLED: 'The job was cancelled',
  NO_TRAINING_DATA: 'Annotate at least one region before training',
  EXPORT_TOO_LARGE: 'The slide is too large for a PNG export; download the TIFF instead',
  MODEL_NOT_READY: 'The model is not ready yet',
  PAYLOAD_TOO_LARGE: 'The request is larger than the daemon accepts',
  DISK_FULL: "The project's disk is full: nothing was saved; free some space (e.g. delete a slide) and retry",
  UPLOAD_TRUNCATED: 'The upload stopped before the whole file arrived; nothing was added, drop the file again',
  SLIDE_DUPLICATE: 'This file is already a slide in the project',
  DAEMON_RESTARTED: 'The daemon restarted while the job was running',
  FLEET_JOB_LOST: 'The job was lost when the fleet’s Redis restarted; start it again',
  INTERNAL: 'The daemon hit an internal error (see its log)',
  ANNOTATION_NOT_FOUND: 'That annotation no longer exists (deleted, perhaps in another tab)',
  ANNOTATION_SUPERSEDED: 'Someone edited this annotation first; reload the list and edit the newer version',
  MODEL_VERSION_UNKNOWN: 'There is no such model version in this project',
  MODEL_VERSION_UNREADABLE: 'That model version’s files do not load, so it cannot be made current',
};

export interface DescribeErrorOptions {
  /** The daemon's own message, appended when it adds something the table does not say. */
  detail?: string | undefined;
  /** Dotted request path the daemon blamed (`region.width`). */
  field?: string | undefined;
}

/** One readable sentence for an error code, e.g. for the status bar. */
export function describeError(code: ErrorCode, options: DescribeErrorOptions = {}): string {
  let text = ERROR_MESSAGES[code];
  if (options.field) text += ` (${options.field})`;
  const detail = options.detail?.trim();
  if (detail && detail.toLowerCase() !== text.toLowerCase()) text += `: ${detail}`;
  return text;
}
