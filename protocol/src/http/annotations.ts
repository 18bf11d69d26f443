import { z } from 'zod';
import { PatchRef, Region, SectionIndex } from '../geometry.js';
import { Id } from '../ids.js';

/**
 * Run-length mask over the region, row-major, alternating background/foreground runs and starting with
 * background (so a mask that starts with foreground has `counts[0] === 0`). Counts must sum to width × height.
 */
export const RleMask = z.object({
  encoding: z.literal('rle'),
  counts: z.array(z.number().int().nonnegative()).min(1),
});
export type RleMask = z.infer<typeof RleMask>;

/** A single-channel PNG the size of the region, base64 without a data: prefix; 0 = background, 1 or 255 = myelin. */
export const PngMask = z.object({
  encoding: z.literal('png-base64'),
  data: z.string().min(1),
});
export type PngMask = z.infer<typeof PngMask>;

export const AnnotationMask = z.discriminatedUnion('encoding', [RleMask, PngMask]);
export type AnnotationMask = z.infer<typeof AnnotationMask>;

/**
 * `POST /api/annotations`. Every pixel of `region` is labelled by `mask` (partial patches get a weight mask, so
 * only labelled pixels train). `clientId` is the idempotency key: a retry with the same key returns the same ack.
 */
export const AnnotationRequest = z.object({
  slideId: Id,
  region: Region,
  mask: AnnotationMask,
  clientId: z.string().min(8).max(128),
  /** Section of a volume the region lies on; absent = 0 (a 2D slide). */
  z: SectionIndex.optional(),
});
export type AnnotationRequest = z.infer<typeof AnnotationRequest>;

/** A grid patch touched by an annotation, and how many of its pixels the annotation labels. */
export const AnnotatedPatch = PatchRef.extend({
  coveredPixels: z.number().int().positive(),
});
export type AnnotatedPatch = z.infer<typeof AnnotatedPatch>;

/** Sent only after the mask file and the database rows are durable. */
export const AnnotationAck = z.object({
  id: Id,
  slideId: Id,
  clientId: z.string(),
  patches: z.array(AnnotatedPatch),
  /** Section the annotation lies on; absent = 0. */
  z: SectionIndex.optional(),
});
export type AnnotationAck = z.infer<typeof AnnotationAck>;

/** `GET /api/annotations?slideId=`: what the daemon has stored for a slide (the viewer redraws from it). */
export const AnnotationListQuery = z.object({ slideId: Id });
export type AnnotationListQuery = z.infer<typeof AnnotationListQuery>;

export const AnnotationList = z.object({ annotations: z.array(AnnotationAck) });
export type AnnotationList = z.infer<typeof AnnotationList>;
