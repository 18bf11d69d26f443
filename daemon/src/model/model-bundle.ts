import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { type LayersModel, loadLayersModel } from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import { atomicWrite } from '../store/atomic-write.js';
// Imported for its registration side effect too: loading a U-Net must find the McDropout class by name.
import { McDropout } from './layers/mc-dropout.js';
import { UnetConfig } from './unet-config.js';

export const BUNDLE_FILE = 'bundle.json';
export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';

export const Normalization = z.object({ mean: z.number(), std: z.number().positive() });
export type Normalization = z.infer<typeof Normalization>;

export const BundleManifest = z.object({
  formatVersion: z.literal(1),
  unetConfig: UnetConfig,
  normalization: Normalization,
  createdAt: z.iso.datetime(),
  /** SHA-256 of model.json and weights.bin, so a torn or bit-rotten bundle is caught before tfjs reads garbage. */
  sha256: z.object({ [MODEL_FILE]: z.string(), [WEIGHTS_FILE]: z.string() }),
  trainingInfo: z.record(z.string(), z.unknown()).optional(),
});
export type BundleManifest = z.infer<typeof BundleManifest>;

const ModelJson = z.object({
  modelTopology: z.record(z.string(), z.unknown()),
  format: z.string().optional(),
  generatedBy: z.string().optional(),
  convertedBy: z.string().nullable().optional(),
  weightsManifest: z
    .array(
      z.object({ paths: z.tuple([z.literal(WEIGHTS_FILE)]), weights: z.array(z.custom<tf.io.WeightsManifestEntry>()) }),
    )
    .length(1),
});

export interface SaveBundleOptions {
  model: LayersModel;
  config: UnetConfig;
  normalization: Normalization;
  /** Free-form training facts (epochs, dataset, metrics) stored as `trainingInfo`. */
  info?: Record<string, unknown>;
}

export interface LoadedBundle {
  model: LayersModel;
  config: UnetConfig;
  normalization: Normalization;
  info: Record<string, unknown> | undefined;
  createdAt: string;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const utf8 = (text: string) => new TextEncoder().encode(text);

/**
 * Writes a bundle folder: model.json + weights.bin (tfjs layers format, via our own node:fs IOHandler since
 * tfjs-node's `file://` handler is unavailable), then bundle.json last. Each file is written atomically (temp, fsync,
 * rename); bundle.json holds the other files' hashes, so it commits the bundle: a crash mid-save leaves a folder
 * that `loadBundle` rejects, never a model silently paired with the wrong weights.
 */
export async function saveBundle(
  dir: string,
  { model, config, normalization, info }: SaveBundleOptions,
): Promise<BundleManifest> {
  let hashes: BundleManifest['sha256'] | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      if (!(artifacts.modelTopology && !(artifacts.modelTopology instanceof ArrayBuffer)) || !artifacts.weightSpecs) {
        throw new Error('saveBundle: tfjs produced no JSON topology or weight specs');
      }
      const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? new ArrayBuffer(0)));
      const modelJson = utf8(
        JSON.stringify({
          modelTopology: artifacts.modelTopology,
          format: artifacts.format,
          generatedBy: artifacts.generatedBy,
          convertedBy: artifacts.convertedBy,
          weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs }],
        }),
      );
      await atomicWrite(join(dir, WEIGHTS_FILE), weights);
      await atomicWrite(join(dir, MODEL_FILE), modelJson);
      hashes = { [MODEL_FILE]: sha256(modelJson), [WEIGHTS_FILE]: sha256(weights) };
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  if (!hashes) throw new Error('saveBundle: the save handler never ran');
  const manifest: BundleManifest = BundleManifest.parse({
    formatVersion: 1,
    unetConfig: config,
    normalization,
    createdAt: new Date().toISOString(),
    sha256: hashes,
    ...(info === undefined ? {} : { trainingInfo: info }),
  });
  await atomicWrite(join(dir, BUNDLE_FILE), utf8(`${JSON.stringify(manifest, null, 2)}\n`));
  return manifest;
}

async function readBundleFile(dir: string, name: string): Promise<Uint8Array> {
  try {
    return await readFile(join(dir, name));
  } catch (err) {
    throw new Error(`model bundle ${dir}: cannot read ${name}: ${(err as Error).message}`, { cause: err });
  }
}

function parseJsonFile<T>(dir: string, name: string, bytes: Uint8Array, schema: z.ZodType<T>): T {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    throw new Error(`model bundle ${dir}: ${name} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`model bundle ${dir}: ${name} is invalid: ${issues}`);
  }
  return result.data;
}

/** A bundle's manifest alone (config, creation time, training info), without loading the weights. */
export async function readBundleManifest(dir: string): Promise<BundleManifest> {
  return parseJsonFile(dir, BUNDLE_FILE, await readBundleFile(dir, BUNDLE_FILE), BundleManifest);
}

/** Reads and checks a bundle written by {@link saveBundle}; every failure names the file at fault. */
export async function loadBundle(dir: string): Promise<LoadedBundle> {
  const manifest = parseJsonFile(dir, BUNDLE_FILE, await readBundleFile(dir, BUNDLE_FILE), BundleManifest);
  const modelBytes = await readBundleFile(dir, MODEL_FILE);
  const weights = await readBundleFile(dir, WEIGHTS_FILE);
  for (const [name, bytes] of [
    [MODEL_FILE, modelBytes],
    [WEIGHTS_FILE, weights],
  ] as const) {
    if (sha256(bytes) !== manifest.sha256[name]) {
      throw new Error(`model bundle ${dir}: ${name} is corrupt (its SHA-256 does not match ${BUNDLE_FILE})`);
    }
  }
  const modelJson = parseJsonFile(dir, MODEL_FILE, modelBytes, ModelJson);
  const weightSpecs = modelJson.weightsManifest.flatMap((group) => group.weights);
  const handler: tf.io.IOHandler = {
    load: async () => ({
      modelTopology: modelJson.modelTopology,
      weightSpecs,
      // A standalone copy: Buffer views may share a larger pooled ArrayBuffer.
      weightData: weights.slice().buffer,
      ...(modelJson.format === undefined ? {} : { format: modelJson.format }),
    }),
  };
  let model: LayersModel;
  try {
    model = await loadLayersModel(handler);
  } catch (err) {
    throw new Error(`model bundle ${dir}: tfjs cannot load ${MODEL_FILE}/${WEIGHTS_FILE}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const { inputSize, channels } = manifest.unetConfig;
  const shape = model.inputs[0]?.shape;
  if (shape?.[1] !== inputSize || shape[2] !== inputSize || shape[3] !== channels) {
    model.dispose();
    throw new Error(`model bundle ${dir}: ${MODEL_FILE} input ${JSON.stringify(shape)} does not match ${BUNDLE_FILE}`);
  }
  if (manifest.unetConfig.dropoutRate > 0 && !model.layers.some((l) => l instanceof McDropout)) {
    model.dispose();
    throw new Error(`model bundle ${dir}: ${MODEL_FILE} has no McDropout layers, so MC sampling would be impossible`);
  }
  return {
    model,
    config: manifest.unetConfig,
    normalization: manifest.normalization,
    info: manifest.trainingInfo,
    createdAt: manifest.createdAt,
  };
}
