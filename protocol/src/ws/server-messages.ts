import { z } from 'zod';
import { ErrorCode } from '../errors.js';
import { Region, SectionIndex, TileRef } from '../geometry.js';
import { JobInfo, JobKind, JobState } from '../http/jobs.js';
import { SlideInfo, TileLayer } from '../http/slides.js';
import { Id } from '../ids.js';
import { HolderId } from './client-messages.js';
import { RequestId, Seq } from './envelope.js';

/** Reply to `hello`. `daemonId` changes at every daemon start, so a client can tell a restart from a reconnect. */
export const WelcomeMessage = z.object({
  type: z.literal('welcome'),
  seq: Seq,
  protocolVersion: z.number().int().positive(),
  daemonId: z.string(),
  /** Compute backend of the model engine (e.g. `tfjs-node`, `onnx-cpu`), or `none` when no engine is wired. */
  backend: z.string(),
  modelVersion: z.number().int().nonnegative(),
});

export const JobProgressMessage = z.object({
  type: z.literal('job.progress'),
  seq: Seq,
  jobId: Id,
  kind: JobKind,
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  etaMs: z.number().nonnegative().optional(),
  /** Training only. */
  detail: z
    .object({
      epoch: z.number().int().nonnegative(),
      loss: z.number(),
      valDice: z.number().min(0).max(1).optional(),
    })
    .optional(),
});

export const JobStateMessage = z.object({
  type: z.literal('job.state'),
  seq: Seq,
  jobId: Id,
  kind: JobKind,
  state: JobState,
  error: JobInfo.shape.error,
  /** Set when a train job finishes: the version it trained (current only when `promoted` is not false). */
  modelVersion: z.number().int().nonnegative().optional(),
  /** A train job's version scored worse than the current one on its validation patches and was kept aside. */
  promoted: z.boolean().optional(),
  warning: JobInfo.shape.warning,
});

/**
 * Overlay tiles that changed. Either an explicit tile list or a level-0 bounding box (cheaper when many
 * tiles changed); the viewer refetches the affected tiles of `layer` at `modelVersion`.
 */
export const TilesUpdatedMessage = z
  .object({
    type: z.literal('tiles.updated'),
    seq: Seq,
    slideId: Id,
    layer: TileLayer,
    modelVersion: z.number().int().nonnegative(),
    tiles: z.array(TileRef).optional(),
    bbox: Region.optional(),
    /** Section of a volume whose tiles changed; absent = 0. */
    z: SectionIndex.optional(),
  })
  .refine((m) => m.tiles !== undefined || m.bbox !== undefined, {
    message: 'tiles or bbox is required',
    path: ['tiles'],
  });

export const SuggestionsUpdatedMessage = z.object({
  type: z.literal('suggestions.updated'),
  seq: Seq,
  slideId: Id,
  modelVersion: z.number().int().nonnegative(),
});

/** A slide was deleted (`DELETE /api/slides/:slideId`): drop it from lists, close it if it is open. */
export const SlideRemovedMessage = z.object({
  type: z.literal('slide.removed'),
  seq: Seq,
  slideId: Id,
});

/** A slide was added (path, upload or OME-Zarr): every page lists it without a reload. */
export const SlideAddedMessage = z.object({
  type: z.literal('slide.added'),
  seq: Seq,
  slide: SlideInfo,
});

/** An annotation is durable (a new one, or an edit that replaced `supersedes`). */
export const AnnotationSavedMessage = z.object({
  type: z.literal('annotation.saved'),
  seq: Seq,
  slideId: Id,
  annotationId: Id,
  supersedes: Id.optional(),
});

/** An annotation and every version of it were deleted; the cells they labelled no longer train. */
export const AnnotationDeletedMessage = z.object({
  type: z.literal('annotation.deleted'),
  seq: Seq,
  slideId: Id,
  annotationId: Id,
  deletedVersions: z.array(Id).min(1),
});

/** Training stored a new model version. */
export const ModelAddedMessage = z.object({
  type: z.literal('model.added'),
  seq: Seq,
  modelVersion: z.number().int().nonnegative(),
});

/** One tab editing a patch. */
export const PatchHold = z.object({
  holder: HolderId,
  region: Region,
  /** ISO 8601. */
  since: z.string(),
});
export type PatchHold = z.infer<typeof PatchHold>;

/**
 * Every patch of the slide being edited now, in full (so a frame never depends on an earlier one). Sent when a hold
 * changes and in answer to `slide.subscribe`; holds are live state, so these frames are not kept for replay.
 */
export const PatchHoldsMessage = z.object({
  type: z.literal('patch.holds'),
  seq: Seq,
  slideId: Id,
  holds: z.array(PatchHold),
});

export const ErrorMessage = z.object({
  type: z.literal('error'),
  seq: Seq,
  code: ErrorCode,
  message: z.string(),
  replyTo: RequestId.optional(),
});

/** The missed broadcasts are no longer buffered (or the daemon restarted): refetch state over HTTP. */
export const ResyncMessage = z.object({
  type: z.literal('resync'),
  seq: Seq,
});

/** The daemon serves another model version now (a promoted training, a promotion or a rollback). */
export const ModelCurrentMessage = z.object({
  type: z.literal('model.current'),
  seq: Seq,
  modelVersion: z.number().int().nonnegative(),
  previous: z.number().int().nonnegative(),
});

export const ServerMessage = z.discriminatedUnion('type', [
  WelcomeMessage,
  JobProgressMessage,
  JobStateMessage,
  TilesUpdatedMessage,
  SuggestionsUpdatedMessage,
  SlideRemovedMessage,
  ErrorMessage,
  ResyncMessage,
  SlideAddedMessage,
  AnnotationSavedMessage,
  AnnotationDeletedMessage,
  ModelAddedMessage,
  PatchHoldsMessage,
  ModelCurrentMessage,
]);
export type ServerMessage = z.infer<typeof ServerMessage>;
export type ServerMessageType = ServerMessage['type'];

/** A server message before the hub stamps its `seq`. */
export type UnsequencedServerMessage = ServerMessage extends infer M
  ? M extends ServerMessage
    ? Omit<M, 'seq'>
    : never
  : never;
