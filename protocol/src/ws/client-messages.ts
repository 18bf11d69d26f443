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

/** Tab ids name who holds a patch; the page picks one at random when it starts. */
export const HolderId = z
  .string()
  .min(8)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'holder is 8–64 characters of A–Z, a–z, 0–9, _ or -');
export type HolderId = z.infer<typeof HolderId>;

/**
 * This tab is editing `region` of the slide: other pages show it as taken. One hold per socket (a new one replaces
 * it); released by `patch.release`, by the socket closing, or after `patchHoldTimeoutMs`.
 */
export const PatchHoldMessage = z.object({
  type: z.literal('patch.hold'),
  id: RequestId.optional(),
  slideId: Id,
  region: Region,
  holder: HolderId,
});

/** The tab stopped editing (submitted, skipped, closed the region). */
export const PatchReleaseMessage = z.object({
  type: z.literal('patch.release'),
  id: RequestId.optional(),
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
  PatchHoldMessage,
  PatchReleaseMessage,
  SlideViewportMessage,
]);
export type ClientMessage = z.infer<typeof ClientMessage>;
export type ClientMessageType = ClientMessage['type'];
