import { DEFAULT_PROBE_RATE, ProjectSettings, type ProjectSettingsUpdate } from '@activeseg/protocol';
import type { Store } from '../store/db.js';

const PROBE_SEED = 'probeSeed';

/** The project's settings, defaults filled in. A stored value that no longer parses falls back to its default. */
export function readProjectSettings(store: Store): ProjectSettings {
  const raw = store.learning.getSetting('probeRate');
  const parsed = ProjectSettings.shape.probeRate.safeParse(raw === undefined ? undefined : JSON.parse(raw));
  return { probeRate: parsed.success ? parsed.data : DEFAULT_PROBE_RATE };
}

export function updateProjectSettings(store: Store, update: ProjectSettingsUpdate): ProjectSettings {
  if (update.probeRate !== undefined) store.learning.setSetting('probeRate', JSON.stringify(update.probeRate));
  return readProjectSettings(store);
}

/** Drawn once per project and kept: probes are seeded per project, so a restart serves the same ones. */
export function probeSeedOf(store: Store): number {
  const stored = store.learning.getSetting(PROBE_SEED);
  if (stored !== undefined) return Number(stored) >>> 0;
  const seed = (Math.random() * 2 ** 32) >>> 0;
  store.learning.setSetting(PROBE_SEED, String(seed));
  return seed;
}
