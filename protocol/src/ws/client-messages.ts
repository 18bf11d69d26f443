import { z } from 'zod';
import { Region } from '../geometry.js';
import { Id } from '../ids.js';
import { RequestId, Seq } from './envelope.js';

/**
 * First frame on every socket. `lastSeq` + `daemonId` (both from an earlier session) ask for a replay of
 * missed broadcasts; the daemon answers `welcome`, then the replay or a `resync`.
 */
export const HelloMessage = z.object({
  type: z.literal('hello'),
  id: RequestId.optional(),
  protocolVersion: z.number().int().positive(),
  lastSeq: Seq.optional(),
  daemonId: z.string().min(1).max(64).optional(),
});

/** Cancel a queued or running job. */
export const JobCancelMessage = z.object({
  type: z.literal('job.cancel'),
  id: RequestId.optional(),
  jobId: Id,
});

/** Only receive slide-scoped events (`tiles.updated`, `suggestions.updated`) for these slides; replaces the previous set. */
export const SlideSubscribeMessage = z.object({
  type: z.literal('slide.subscribe'),
  id: RequestId.optional(),
  slideIds: z.array(Id).max(64),
});

/**
 * The level-0 region of a slide this viewer shows (sent after pans and zooms settle). The daemon scores the cells
 * under viewers' regions first when it re-scores a slide, e.g. right after a training job (the self-closing loop).
 */
export const SlideViewportMessage = z.object({
  type: z.literal('slide.viewport'),
  id: RequestId.optional(),
  slideId: Id,
  region: Region,
});

export const ClientMessage = z.discriminatedUnion('type', [
  HelloMessage,
  JobCancelMessage,
  SlideSubscribeMessage,
  SlideViewportMessage,
]);
export type ClientMessage = z.infer<typeof ClientMessage>;
export type ClientMessageType = ClientMessage['type'];
