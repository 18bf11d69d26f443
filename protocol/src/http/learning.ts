import { z } from 'zod';
import { Region } from '../geometry.js';
import { Id } from '../ids.js';
import { AnnotationSource } from './annotations.js';

/** `GET /api/learning?slideId=`. */
export const LearningQuery = z.object({ slideId: Id });
export type LearningQuery = z.infer<typeof LearningQuery>;

/** A statistic with its bootstrap 95 % interval over `n` observations; null values when there are none. */
export const Interval = z.object({
  value: z.number().nullable(),
  lo: z.number().nullable(),
  hi: z.number().nullable(),
  n: z.number().int().nonnegative(),
});
export type Interval = z.infer<typeof Interval>;

/** The model's Dice on the slide as estimated from random probes' pre-annotation scores (pooled pixel counts). */
export const VersionEstimate = z.object({
  modelVersion: z.number().int().nonnegative(),
  dice: Interval,
  /** Probes annotated while this version's prediction was shown. */
  probes: z.number().int().nonnegative(),
  /** Versions whose probes were pooled, newest first (a version with few probes borrows older ones'). */
  pooledVersions: z.array(z.number().int().nonnegative()),
});
export type VersionEstimate = z.infer<typeof VersionEstimate>;

/** The prediction the annotator saw, against their label, on the annotated pixels only. */
export const PreAnnotationScore = z.object({
  dice: z.number(),
  precision: z.number(),
  recall: z.number(),
});
export type PreAnnotationScore = z.infer<typeof PreAnnotationScore>;

export const AnnotationLearning = z.object({
  annotationId: Id,
  createdAt: z.string(),
  region: Region,
  /** As the daemon filed it: a served probe is `random-probe` whatever the client said. */
  source: AnnotationSource,
  modelVersion: z.number().int().nonnegative().nullable(),
  activeSeconds: z.number().nonnegative().nullable(),
  strokes: z.number().int().nonnegative().nullable(),
  /** Connected components of the label. */
  objects: z.number().int().nonnegative(),
  /** Null while the version's prediction for the region does not exist (`pending`) or when no version was given. */
  preAnnotation: PreAnnotationScore.nullable(),
  pending: z.boolean(),
});
export type AnnotationLearning = z.infer<typeof AnnotationLearning>;

/** Whether uncertainty picks were harder for the model than random probes (lower pre-annotation Dice). */
export const UncertaintyCheck = z.object({
  state: z.enum(['informative', 'not-informative', 'too-early']),
  /** Mean pre-annotation Dice of uncertainty picks − that of probes; `n` is the smaller group. */
  difference: Interval,
  message: z.string(),
});
export type UncertaintyCheck = z.infer<typeof UncertaintyCheck>;

export const StopHint = z.object({
  state: z.enum(['too-early', 'keep-going', 'stop']),
  message: z.string(),
});
export type StopHint = z.infer<typeof StopHint>;

export const LearningReport = z.object({
  slideId: Id,
  versions: z.array(VersionEstimate),
  annotations: z.array(AnnotationLearning),
  uncertaintyCheck: UncertaintyCheck,
  stop: StopHint,
  /** Active minutes over every annotation of the slide that reported them. */
  minutesAnnotated: z.number().nonnegative(),
});
export type LearningReport = z.infer<typeof LearningReport>;
