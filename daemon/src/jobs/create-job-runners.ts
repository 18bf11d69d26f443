import type { Region } from '@activeseg/protocol';
import type { DaemonConfig } from '../config.js';
import type { ModelEngine, TrainingPatch, TrainingPatchRef } from '../engine/model-engine-api.js';
import { ApiError } from '../errors/api-error.js';
import { loadPatchLabels } from '../project/load-patch-labels.js';
import type { ProjectPaths } from '../project/project-paths.js';
import type { SlideCatalog } from '../project/slide-catalog.js';
import type { Store } from '../store/db.js';
import { runInference, toPaddedFloat } from './infer-job.js';
import type { JobEventSink } from './job-events.js';
import type { JobRunner } from './job-queue.js';
import { createTileUpdateCoalescer } from './tile-update-coalescer.js';
import type { ViewerFocus } from './viewer-focus.js';

export interface JobRunnerDeps {
  engine: ModelEngine;
  store: Store;
  paths: ProjectPaths;
  slides: SlideCatalog;
  events: JobEventSink;
  config: Pick<DaemonConfig, 'patchSize' | 'blankPatchStd'> &
    Partial<Pick<DaemonConfig, 'inferCellsInFlight' | 'overviewPasses' | 'overviewTopK' | 'overviewRelativeError'>>;
  /** Called with a level-0 region whose overlay changed (the app drops cached overlay tiles there). */
  onOverlayChanged?(slideId: string, region: Region, modelVersion: number, z?: number): Promise<void>;
  /** `tiles.updated` events are batched to at most one per this interval per job. */
  tilesUpdateIntervalMs?: number;
  /** What viewers are looking at, read when an inference starts: those cells are scored first. */
  focus?: Pick<ViewerFocus, 'regions'>;
}

/** Wires the injected ModelEngine into the queue's two job kinds. */
export function createJobRunners(deps: JobRunnerDeps): { infer: JobRunner; train: JobRunner } {
  const { engine, store, paths, events, config } = deps;
  const batchMs = deps.tilesUpdateIntervalMs ?? 500;

  const infer: JobRunner = async (request, ctx) => {
    if (request.kind !== 'infer') throw new Error('infer runner got a non-infer job');
    const source = await deps.slides.open(request.slideId);
    const tiles = createTileUpdateCoalescer({ events, slideId: request.slideId, intervalMs: batchMs });
    const result = await runInference({
      slideId: request.slideId,
      source,
      engine,
      scores: store.scores,
      paths,
      patchSize: config.patchSize,
      blankPatchStd: config.blankPatchStd,
      ...(config.inferCellsInFlight ? { cellsInFlight: config.inferCellsInFlight } : {}),
      ...(config.overviewPasses
        ? {
            overview: {
              passes: config.overviewPasses,
              topK: config.overviewTopK ?? 20,
              ...(config.overviewRelativeError ? { relativeError: config.overviewRelativeError } : {}),
            },
          }
        : {}),
      onOverviewDone: () => {
        // The whole slide has a map and a ranking now: viewers reload their list while the best cells are refined.
        tiles.flush();
        events.emit({ type: 'suggestions.updated', slideId: request.slideId, modelVersion: engine.modelVersion() });
      },
      acquisition: request.acquisition,
      focusRegions: deps.focus?.regions(request.slideId) ?? [],
      signal: ctx.signal,
      ...(request.z === undefined ? {} : { firstSection: request.z }),
      onProgress: (done, total) => ctx.progress(done, total),
      onPatchScored: (region, modelVersion, z) => {
        void deps.onOverlayChanged?.(request.slideId, region, modelVersion, z);
        tiles.add(region, modelVersion, z);
      },
    });
    tiles.flush();
    events.emit({ type: 'suggestions.updated', slideId: request.slideId, modelVersion: result.modelVersion });
    return { modelVersion: result.modelVersion };
  };

  const train: JobRunner = async (request, ctx) => {
    if (request.kind !== 'train') throw new Error('train runner got a non-train job');
    const patches: TrainingPatchRef[] = store.annotations.listAnnotatedCells();
    if (patches.length === 0) throw new ApiError('NO_TRAINING_DATA', 'annotate at least one region before training');
    const loadPatch = async (ref: TrainingPatchRef, signal: AbortSignal): Promise<TrainingPatch> => {
      const source = await deps.slides.open(ref.slideId);
      const x = ref.col * ref.size;
      const y = ref.row * ref.size;
      const w = Math.min(ref.size, source.width - x);
      const h = Math.min(ref.size, source.height - y);
      const pixels = await source.readRegion({ level: 0, x, y, width: w, height: h, z: ref.z ?? 0, signal });
      const { labels, weight } = await loadPatchLabels({ store, paths }, ref);
      return { size: ref.size, image: toPaddedFloat(pixels, w, h, ref.size), labels, weight };
    };
    const epochs = request.epochs ?? 10;
    const annotationsUsed = store.annotations.count();
    const currentBefore = engine.modelVersion();
    const result = await engine.train({
      patches,
      loadPatch,
      mode: request.mode,
      epochs,
      signal: ctx.signal,
      onProgress: (p) =>
        ctx.progress(p.epoch, p.epochs, {
          epoch: p.epoch,
          loss: p.loss,
          ...(p.valDice === undefined ? {} : { valDice: p.valDice }),
        }),
    });
    ctx.signal.throwIfAborted();
    store.modelVersions.insert({
      version: result.modelVersion,
      mode: result.mode ?? request.mode,
      jobId: ctx.id,
      metrics: result.metrics ?? null,
      createdAt: new Date().toISOString(),
      parentVersion: result.parentVersion ?? null,
      annotationsUsed,
      valDice: result.valDice ?? null,
      comparedWith: result.comparedWith ?? null,
      promoted: result.promoted !== false,
      warning: result.warning ?? null,
    });
    if (result.promoted !== false) {
      events.emit({ type: 'model.current', modelVersion: result.modelVersion, previous: currentBefore });
    }
    return {
      modelVersion: result.modelVersion,
      ...(result.promoted === undefined ? {} : { promoted: result.promoted }),
      ...(result.warning === undefined ? {} : { warning: result.warning }),
    };
  };

  return { infer, train };
}
