import { join } from 'node:path';
import type { ReloadableModelEngine } from '../engine/model-engine.js';
import { loadBundle } from '../model/index.js';
import type { TrainingPreset } from '../training/presets.js';
import { REPO_ROOT } from './demo-paths.js';

/** The shipped base model: trained on the bundled demo images except the demo slide's subject (`npm run base-model`). */
export const DEMO_BASE_MODEL_DIR = join(REPO_ROOT, 'demo', 'base-model');

/** The preset the shipped base model was trained with; other presets start without it unless given as a path. */
export const DEMO_BASE_MODEL_PRESET = 'tiny';

/** How the shipped base model is trained (`npm run base-model`); the base-vs-scratch measurement trains its bases so. */
export const DEMO_BASE_MODEL_RECIPE = { epochs: 300, seed: 1, exclude: ['sub-rat8'] } as const;

export type BaseModelChoice = { kind: 'none' } | { kind: 'demo' } | { kind: 'path'; path: string };

export function parseBaseModel(value: string): BaseModelChoice {
  if (value === 'none' || value === 'demo') return { kind: value };
  if (value.trim() === '') throw new Error('--base-model: expected demo, none or a model bundle folder');
  return { kind: 'path', path: value };
}

/**
 * A project without any model starts from the base model as its version 1, so the first overlay and suggestions are a
 * real model's before anyone has annotated. Returns the adopted version, or undefined (with the reason) when none was.
 */
export async function adoptBaseModel(
  engine: ReloadableModelEngine,
  choice: BaseModelChoice,
  preset: TrainingPreset,
): Promise<{ version?: number; why: string }> {
  if (engine.modelVersion() !== 0) return { why: `the project already has model v${engine.modelVersion()}` };
  if (choice.kind === 'none') return { why: '--base-model none' };
  if (choice.kind === 'demo' && preset.name !== DEMO_BASE_MODEL_PRESET) {
    return { why: `the demo base model is the ${DEMO_BASE_MODEL_PRESET} preset's network, not ${preset.name}'s` };
  }
  const dir = choice.kind === 'demo' ? DEMO_BASE_MODEL_DIR : choice.path;
  const bundle = await loadBundle(dir);
  const info = bundle.info ?? {};
  const version = await engine.adopt(bundle, {
    ...info,
    mode: 'base',
    baseModel: choice.kind === 'demo' ? 'demo' : dir,
  });
  return { version, why: `started from the base model ${choice.kind === 'demo' ? '(demo)' : dir}` };
}
