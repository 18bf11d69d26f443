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
 * Where the annotated region came from: a suggestion ranked by uncertainty, a random probe (the daemon knows which
 * patches it served as probes and overrides the client), or a region the person chose.
 */
export const AnnotationSource = z.enum(['uncertainty', 'random-probe', 'user']);
export type AnnotationSource = z.infer<typeof AnnotationSource>;

/** A day: more active time on one annotation is a broken clock, not work. */
export const MAX_ACTIVE_SECONDS = 86_400;

/**
 * `POST /api/annotations`. Every pixel of `region` is labelled by `mask` (partial patches get a weight mask, so
 * only labelled pixels train). `clientId` is the idempotency key: a retry with the same key returns the same ack.
 */
export const AnnotationRequest = z.object({
  slideId: Id,
  region: Region,
  mask: AnnotationMask,
  clientId: z.string().min(8).max(128),
  /**
   * An edit: the id of the current version this replaces. The new annotation is stored as the next version, the
   * old one stays in history (it no longer trains). ANNOTATION_NOT_FOUND when unknown, ANNOTATION_SUPERSEDED when
   * another edit replaced it first.
   */
  supersedes: Id.optional(),
  /** Model version whose prediction the person saw while annotating; its pre-annotation score is computed from it. */
  modelVersion: z.number().int().nonnegative().optional(),
  /** Seconds with the region open and input happening (gaps over 60 s not counted): the annotation's cost. */
  activeSeconds: z.number().nonnegative().max(MAX_ACTIVE_SECONDS).optional(),
  /** Brush/eraser strokes and polygons drawn. */
  strokes: z.number().int().nonnegative().max(1_000_000).optional(),
  source: AnnotationSource.optional(),
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

/** One stored annotation as the slide's annotation list shows it (`GET /api/slides/:slideId/annotations`). */
export const AnnotationSummary = z.object({
  id: Id,
  slideId: Id,
  region: Region,
  /** ISO 8601. */
  createdAt: z.string(),
  /** How the label was made, when the daemon records it. */
  source: z.string().optional(),
  /** Myelin pixels of the mask (level 0). */
  areaPx: z.number().int().nonnegative(),
  /** The same area in µm², when the slide has a pixel size. */
  areaUm2: z.number().nonnegative().optional(),
  /** 1 for a first version, n + 1 for an edit of version n. */
  version: z.number().int().positive(),
  /** The version this one replaced. */
  supersedes: Id.optional(),
  /** Set on history versions: the edit that replaced this one (history versions do not train). */
  supersededBy: Id.optional(),
  /** Grid cells the annotation trains (none for a history version). */
  patches: z.array(AnnotatedPatch),
  /** Section of a volume it lies on; absent = 0. */
  z: SectionIndex.optional(),
});
export type AnnotationSummary = z.infer<typeof AnnotationSummary>;

/** `?history=true` also lists the versions that edits replaced. */
export const SlideAnnotationsQuery = z.object({ history: z.enum(['true', 'false']).optional() });
export type SlideAnnotationsQuery = z.infer<typeof SlideAnnotationsQuery>;

export const SlideAnnotationList = z.object({ slideId: Id, annotations: z.array(AnnotationSummary) });
export type SlideAnnotationList = z.infer<typeof SlideAnnotationList>;

/** Path parameters of `GET /api/annotations/:annotationId/mask` and `DELETE /api/annotations/:annotationId`. */
export const AnnotationParams = z.object({ annotationId: Id });
export type AnnotationParams = z.infer<typeof AnnotationParams>;

/**
 * `DELETE /api/annotations/:annotationId`: the annotation and every version of it (history included) are gone,
 * with their mask files; the cells they labelled no longer train.
 */
export const DeleteAnnotationResult = z.object({
  id: Id,
  slideId: Id,
  /** Ids of every version deleted, oldest first. */
  deletedVersions: z.array(Id).min(1),
});
export type DeleteAnnotationResult = z.infer<typeof DeleteAnnotationResult>;
