import { z } from 'zod';

/**
 * Every error the daemon can report, over HTTP or WS. One table, read by the daemon's `onError`
 * and by the viewer's toasts, so a code means the same thing everywhere.
 * Each comment names the HTTP status the code maps to (see `httpStatusOf`).
 */
export const ERROR_CODES = {
  /** 400: a request body, query or path parameter failed schema validation. */
  BAD_REQUEST: 'BAD_REQUEST',
  /** 400: a WS frame was not valid JSON or not a known client message (the socket stays open). */
  BAD_MESSAGE: 'BAD_MESSAGE',
  /** 400: the client speaks another PROTOCOL_VERSION; it must reload. */
  PROTOCOL_MISMATCH: 'PROTOCOL_MISMATCH',
  /** 400: a valid WS frame the protocol does not allow here (a second `hello`); the socket is closed (1002). */
  PROTOCOL_VIOLATION: 'PROTOCOL_VIOLATION',
  /** 429: more WS frames per second than `wsMaxInboundFramesPerSecond`; the socket is closed (1008). */
  RATE_LIMITED: 'RATE_LIMITED',
  /** 401: missing or wrong token. */
  UNAUTHORIZED: 'UNAUTHORIZED',
  /** 403: request or WS upgrade came from an Origin that is not allowed. */
  ORIGIN_FORBIDDEN: 'ORIGIN_FORBIDDEN',
  /**
   * 421: the Host header names neither a loopback name nor the host the daemon was started with (a DNS-rebinding
   * page reaches the daemon under its own domain name).
   */
  HOST_NOT_ALLOWED: 'HOST_NOT_ALLOWED',
  /** 404: no such route. */
  NOT_FOUND: 'NOT_FOUND',
  /** 404: no slide with that id in this project. */
  SLIDE_NOT_FOUND: 'SLIDE_NOT_FOUND',
  /** 422: the path given to add a slide does not exist or is not a readable file. */
  SLIDE_FILE_NOT_FOUND: 'SLIDE_FILE_NOT_FOUND',
  /** 415: the file is not an image format the daemon can read. */
  SLIDE_UNSUPPORTED_FORMAT: 'SLIDE_UNSUPPORTED_FORMAT',
  /** 422: the file looks like a known format but is corrupt or truncated. */
  SLIDE_CORRUPT: 'SLIDE_CORRUPT',
  /** 413: the image exceeds the configured pixel limit. */
  SLIDE_TOO_LARGE: 'SLIDE_TOO_LARGE',
  /** 422: OME metadata (NGFF multiscales, array metadata) is missing, malformed or inconsistent; the message names the path. */
  SLIDE_METADATA_INVALID: 'SLIDE_METADATA_INVALID',
  /** 422: the image has axes a 2D slide cannot take (time or z with more than one step, more than one channel). */
  SLIDE_AXES_UNSUPPORTED: 'SLIDE_AXES_UNSUPPORTED',
  /** 415: a chunk codec or data type the daemon cannot decode; the message names the array and the codec. */
  SLIDE_CODEC_UNSUPPORTED: 'SLIDE_CODEC_UNSUPPORTED',
  /** 422: the sections of a volume (multi-page TIFF pages, files of a folder) differ in size; the message names the first odd one. */
  SLIDE_SECTIONS_MISMATCH: 'SLIDE_SECTIONS_MISMATCH',
  /** 413: a volume claims more sections than `MAX_SLIDE_SECTIONS`; the message names the path. */
  SLIDE_TOO_MANY_SECTIONS: 'SLIDE_TOO_MANY_SECTIONS',
  /** 404: a section index (`z`) past the slide's last section. */
  SECTION_OUT_OF_RANGE: 'SECTION_OUT_OF_RANGE',
  /** 404: level/col/row outside the slide's tile pyramid. */
  TILE_OUT_OF_RANGE: 'TILE_OUT_OF_RANGE',
  /** 404: the overlay layer has no data yet (no inference has run for this slide). */
  LAYER_NOT_AVAILABLE: 'LAYER_NOT_AVAILABLE',
  /** 404: the overlay was asked for at a model version (`?v=`) that has no scores for this slide. */
  MODEL_VERSION_NOT_FOUND: 'MODEL_VERSION_NOT_FOUND',
  /** 422: the annotation region is not inside the slide. */
  ANNOTATION_OUT_OF_BOUNDS: 'ANNOTATION_OUT_OF_BOUNDS',
  /** 413: the annotation region has more pixels than the configured limit. */
  ANNOTATION_TOO_LARGE: 'ANNOTATION_TOO_LARGE',
  /** 422: the mask does not decode, has the wrong size, or has values other than 0/1 (or 0/255). */
  ANNOTATION_MASK_INVALID: 'ANNOTATION_MASK_INVALID',
  /** 422: an annotation names a `modelVersion` this project never had (or not yet): its prediction cannot be scored. */
  ANNOTATION_MODEL_VERSION_UNKNOWN: 'ANNOTATION_MODEL_VERSION_UNKNOWN',
  /** 409: the clientId was already used for a different slide or region. */
  IDEMPOTENCY_CONFLICT: 'IDEMPOTENCY_CONFLICT',
  /** 409: the slide has annotations (the user's work); deleting it needs `?force=true`. */
  SLIDE_HAS_ANNOTATIONS: 'SLIDE_HAS_ANNOTATIONS',
  /** 404: no job with that id. */
  JOB_NOT_FOUND: 'JOB_NOT_FOUND',
  /** 409: an equivalent job is already queued or running. */
  JOB_ALREADY_RUNNING: 'JOB_ALREADY_RUNNING',
  /** 409: the job already finished, so it cannot be cancelled. */
  JOB_NOT_CANCELLABLE: 'JOB_NOT_CANCELLABLE',
  /** 409: the job was cancelled (reported as a job's error, not as a request failure). */
  JOB_CANCELLED: 'JOB_CANCELLED',
  /** 409: training was requested but no annotations exist yet. */
  NO_TRAINING_DATA: 'NO_TRAINING_DATA',
  /** 409: an export target path already exists (or its folder does not); the message names the path. */
  EXPORT_PATH_EXISTS: 'EXPORT_PATH_EXISTS',
  /** 413: the export is larger than its format allows (PNG over `maxPngExportPixels`); ask for the TIFF instead. */
  EXPORT_TOO_LARGE: 'EXPORT_TOO_LARGE',
  /** 503: no model engine is wired or loaded, so infer/train cannot run (or no model version exists to export). */
  MODEL_NOT_READY: 'MODEL_NOT_READY',
  /** 413: request body over the configured limit. */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** 507: the project folder's disk (or quota) is full; nothing was saved, free space and retry. */
  DISK_FULL: 'DISK_FULL',
  /** 400: an upload ended before the bytes it announced (`size`, Content-Length) arrived; nothing was kept. */
  UPLOAD_TRUNCATED: 'UPLOAD_TRUNCATED',
  /** 409: an upload has the same bytes as a slide already in the project (message names it); `duplicate=add` adds it anyway. */
  SLIDE_DUPLICATE: 'SLIDE_DUPLICATE',
  /** 500: a job was running when the daemon stopped; it was marked failed at the next start. */
  DAEMON_RESTARTED: 'DAEMON_RESTARTED',
  /** 500: a fleet job vanished from Redis (restarted empty) and no worker held it or finished it; start it again. */
  FLEET_JOB_LOST: 'FLEET_JOB_LOST',
  /** 500: unexpected failure; details are in the daemon log, never in the response. */
  INTERNAL: 'INTERNAL',
  /** 404: no annotation with that id (never stored, or deleted). */
  ANNOTATION_NOT_FOUND: 'ANNOTATION_NOT_FOUND',
  /** 409: an edit names a version that another edit already replaced; reload the annotation and edit the newer one. */
  ANNOTATION_SUPERSEDED: 'ANNOTATION_SUPERSEDED',
  /** 404: no model version with that number in this project (`/api/models/:version/...`). */
  MODEL_VERSION_UNKNOWN: 'MODEL_VERSION_UNKNOWN',
  /** 422: the model version's files are on disk but do not load (torn or corrupt bundle); it cannot be made current. */
  MODEL_VERSION_UNREADABLE: 'MODEL_VERSION_UNREADABLE',
} as const;

export const ErrorCode = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCode>;

// The only code → status table. Keys are checked against ERROR_CODES by the `satisfies` clause.
const HTTP_STATUS = {
  BAD_REQUEST: 400,
  BAD_MESSAGE: 400,
  PROTOCOL_MISMATCH: 400,
  PROTOCOL_VIOLATION: 400,
  RATE_LIMITED: 429,
  UNAUTHORIZED: 401,
  ORIGIN_FORBIDDEN: 403,
  HOST_NOT_ALLOWED: 421,
  NOT_FOUND: 404,
  SLIDE_NOT_FOUND: 404,
  SLIDE_FILE_NOT_FOUND: 422,
  SLIDE_UNSUPPORTED_FORMAT: 415,
  SLIDE_CORRUPT: 422,
  SLIDE_TOO_LARGE: 413,
  SLIDE_METADATA_INVALID: 422,
  SLIDE_AXES_UNSUPPORTED: 422,
  SLIDE_CODEC_UNSUPPORTED: 415,
  SLIDE_SECTIONS_MISMATCH: 422,
  SLIDE_TOO_MANY_SECTIONS: 413,
  SECTION_OUT_OF_RANGE: 404,
  TILE_OUT_OF_RANGE: 404,
  LAYER_NOT_AVAILABLE: 404,
  MODEL_VERSION_NOT_FOUND: 404,
  ANNOTATION_OUT_OF_BOUNDS: 422,
  ANNOTATION_TOO_LARGE: 413,
  ANNOTATION_MASK_INVALID: 422,
  ANNOTATION_MODEL_VERSION_UNKNOWN: 422,
  IDEMPOTENCY_CONFLICT: 409,
  SLIDE_HAS_ANNOTATIONS: 409,
  JOB_NOT_FOUND: 404,
  JOB_ALREADY_RUNNING: 409,
  JOB_NOT_CANCELLABLE: 409,
  JOB_CANCELLED: 409,
  NO_TRAINING_DATA: 409,
  EXPORT_PATH_EXISTS: 409,
  EXPORT_TOO_LARGE: 413,
  MODEL_NOT_READY: 503,
  PAYLOAD_TOO_LARGE: 413,
  DISK_FULL: 507,
  UPLOAD_TRUNCATED: 400,
  SLIDE_DUPLICATE: 409,
  DAEMON_RESTARTED: 500,
  FLEET_JOB_LOST: 500,
  INTERNAL: 500,
  ANNOTATION_NOT_FOUND: 404,
  ANNOTATION_SUPERSEDED: 409,
  MODEL_VERSION_UNKNOWN: 404,
  MODEL_VERSION_UNREADABLE: 422,
} as const satisfies Record<ErrorCode, number>;

export type HttpErrorStatus = (typeof HTTP_STATUS)[ErrorCode];

export function httpStatusOf(code: ErrorCode): HttpErrorStatus {
  return HTTP_STATUS[code];
}

/** Body of every non-2xx JSON response. `field` is a dotted path into the request when one input is to blame. */
export const ErrorBody = z.object({
  error: z.object({
    code: ErrorCode,
    message: z.string(),
    field: z.string().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
