import { z } from 'zod';

/** Default share of the suggestion list that is random probes. */
export const DEFAULT_PROBE_RATE = 0.2;

/** `GET /api/settings`: per-project settings, kept in the project database. */
export const ProjectSettings = z.object({
  /**
   * Share of the suggestion list that is random patches (uniform over non-blank, unannotated cells), so the
   * learning view can estimate the model's accuracy without bias. 0 turns probes off.
   */
  probeRate: z.number().min(0).max(0.9),
});
export type ProjectSettings = z.infer<typeof ProjectSettings>;

/** `PUT /api/settings`: the settings to change; the others keep their values. Answers the full settings. */
export const ProjectSettingsUpdate = ProjectSettings.partial().strict();
export type ProjectSettingsUpdate = z.infer<typeof ProjectSettingsUpdate>;
