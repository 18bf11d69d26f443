import { z } from 'zod';

/**
 * Daemon limits and tunables. Every limit has its unit in the name and a documented default; bad combinations
 * are rejected when the daemon starts (parseConfig), not discovered mid-request.
 */
export const DaemonConfig = z
  .object({
    /** JSON bodies other than annotations. */
    maxBodyBytes: z
      .number()
      .int()
      .positive()
      .default(1 << 20),
    /** Annotation bodies (an RLE of a noisy 4k² mask can be large). */
    maxAnnotationBodyBytes: z
      .number()
      .int()
      .positive()
      .default(32 << 20),
    /**
     * `POST /api/uploads` bodies (a dropped slide file). Streamed to disk, never buffered, so this bounds disk
     * use per upload, not memory. Default 2 GiB.
     */
    maxUploadBytes: z
      .number()
      .int()
      .positive()
      .default(2 * 1024 ** 3),
    /** Largest annotation region, in level-0 pixels. */
    maxAnnotationPixels: z
      .number()
      .int()
      .positive()
      .default(4096 * 4096),
    /** WS control frames are small JSON; anything bigger is a bug or an attack. */
    wsMaxPayloadBytes: z
      .number()
      .int()
      .positive()
      .default(1 << 20),
    /** Broadcasts kept for replay on reconnect. */
    wsReplayBufferSize: z.number().int().positive().default(1024),
    /**
     * Most bytes queued for one socket. A frame that would pass it is dropped if it is `tiles.updated` (the viewer
     * can refetch tiles) and otherwise terminates the socket (the viewer reconnects and is replayed or resynced);
     * a replay that would pass it becomes `resync`. Bounds the memory a client that stops reading can cost.
     */
    wsMaxBufferedBytes: z
      .number()
      .int()
      .positive()
      .default(4 << 20),
    /** Inbound frames one socket may send per second (and in one burst); more closes it with RATE_LIMITED. */
    wsMaxInboundFramesPerSecond: z.number().int().positive().default(100),
    pingIntervalMs: z.number().int().positive().default(30_000),
    /** A patch hold (a tab editing a patch) not renewed for this long is released. Default 30 min. */
    patchHoldTimeoutMs: z
      .number()
      .int()
      .positive()
      .default(30 * 60_000),
    /** DZI tile edge; tiles have no overlap (see slides/dzi.ts). */
    dziTileSize: z.number().int().positive().default(256),
    tileJpegQuality: z.number().int().min(1).max(100).default(85),
    /** Edge of the patch grid used for annotation, inference and suggestions. */
    patchSize: z.number().int().positive().default(512),
    /** Patches whose intensity std (0–255 scale) is below this are background and skipped by inference. */
    blankPatchStd: z.number().nonnegative().default(4),
    /** Inference: cells read, scored or written at once (1 = one at a time; see scoreCells). */
    inferCellsInFlight: z.number().int().min(1).max(8).default(2),
    /**
     * Whole-slide inference: Monte-Carlo passes per cell in a quick first phase, after which only the cells that can
     * still be among the best `overviewTopK` get the full count (see runInference). 0 = one phase at the full count.
     */
    overviewPasses: z.number().int().min(0).default(3),
    overviewTopK: z.number().int().min(1).max(500).default(20),
    /** Relative error of a quick score (OverviewOptions.relativeError): cells within 2.5 such errors of the boundary are refined. */
    overviewRelativeError: z.number().positive().max(1).default(0.08),
    /** Passed to sharp's limitInputPixels when opening slides; 0 disables the limit. */
    maxSlidePixels: z.number().int().nonnegative().default(0),
    /** Non-TIFF inputs above this are converted once to a tiled pyramidal TIFF on ingest. */
    convertAbovePixels: z
      .number()
      .int()
      .positive()
      .default(64 * 1024 * 1024),
    /**
     * Largest slide, in level-0 pixels, exported as PNG (`…/export/mask.png`); above it the route answers
     * EXPORT_TOO_LARGE and the tiled TIFF export must be used. Default 2^28 (≈ 16 384²).
     */
    maxPngExportPixels: z
      .number()
      .int()
      .positive()
      .default(2 ** 28),
    /** Extra origins allowed to call state-changing routes and open the WS (the daemon's own origin always is). */
    allowedOrigins: z.array(z.url()).default([]),
    /**
     * The self-closing loop: after a training job ends with a new version, score the slides viewers look at (their
     * viewports first) with no click. `serve --no-auto-infer` sets it false.
     */
    autoInfer: z.boolean().default(true),
  })
  .refine((c) => c.patchSize % c.dziTileSize === 0, {
    message: 'patchSize must be a multiple of dziTileSize so patch updates map to whole tiles',
    path: ['patchSize'],
  })
  .refine((c) => c.wsMaxPayloadBytes <= c.maxAnnotationBodyBytes, {
    message: 'wsMaxPayloadBytes must not exceed maxAnnotationBodyBytes',
    path: ['wsMaxPayloadBytes'],
  });
export type DaemonConfig = z.infer<typeof DaemonConfig>;

/** Parses (with defaults) and throws a readable error listing every bad key. */
export function parseConfig(input: unknown = {}): DaemonConfig {
  const result = DaemonConfig.safeParse(input);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`invalid daemon config:\n${lines.join('\n')}`);
  }
  return result.data;
}
