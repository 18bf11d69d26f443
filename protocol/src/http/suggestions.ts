import { z } from 'zod';
import { PatchRef } from '../geometry.js';
import { Id } from '../ids.js';

/** `GET /api/suggestions?slideId=&k=`: the k most informative unannotated patches of the latest inference. */
export const SuggestionsQuery = z.object({
  slideId: Id,
  k: z.coerce.number().int().min(1).max(500).default(10),
});
export type SuggestionsQuery = z.infer<typeof SuggestionsQuery>;

export const Suggestion = z.object({
  patch: PatchRef,
  /** Acquisition score from the engine; higher means the model would learn more from a label here. */
  score: z.number(),
});
export type Suggestion = z.infer<typeof Suggestion>;

export const SuggestionList = z.object({
  slideId: Id,
  /** Model version the scores came from; null when inference never ran on this slide. */
  modelVersion: z.number().int().nonnegative().nullable(),
  suggestions: z.array(Suggestion),
});
export type SuggestionList = z.infer<typeof SuggestionList>;
