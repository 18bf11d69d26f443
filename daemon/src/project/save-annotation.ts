import { rm } from 'node:fs/promises';
import { type AnnotationAck, type AnnotationSource, sectionCount } from '@activeseg/protocol';
import { ApiError } from '../errors/api-error.js';
import { type AnnotationRecord, AnnotationSupersededError } from '../store/annotations-repo.js';
import { atomicWrite } from '../store/atomic-write.js';
import type { Store } from '../store/db.js';
import { annotationPatches } from './annotation-patches.js';
import type { PreparedAnnotation } from './prepare-annotation.js';
import type { ProjectPaths } from './project-paths.js';
import { randomId } from './random-id.js';

export interface SaveAnnotationDeps {
  store: Store;
  paths: ProjectPaths;
  patchSize: number;
  /** The engine's current model version, which may not have scored any slide yet; undefined without an engine. */
  currentModelVersion?: () => number | undefined;
}

export interface SaveAnnotationResult {
  ack: AnnotationAck;
  /** False when the clientId was seen before and the stored annotation was returned. */
  created: boolean;
}

/**
 * Checks a prepared annotation (parsed, validated and encoded off the event loop by `prepareAnnotation`) against
 * the store and stores it durably: mask PNG written atomically (fsynced), THEN the annotation and its patch rows
 * in one transaction, THEN the ack. A crash at any point leaves either nothing visible or the whole annotation.
 * Retries with the same clientId return the original ack.
 */
export async function saveAnnotation(
  deps: SaveAnnotationDeps,
  prepared: PreparedAnnotation,
): Promise<SaveAnnotationResult> {
  const { store, paths } = deps;
  const req = prepared.request;
  const existing = store.annotations.getByClientId(req.clientId);
  if (existing) return { ack: replay(existing, req), created: false };

  const slide = store.slides.get(req.slideId);
  if (!slide) throw new ApiError('SLIDE_NOT_FOUND', `no slide ${req.slideId}`, 'slideId');
  const { region } = req;
  if (region.x + region.width > slide.width || region.y + region.height > slide.height) {
    throw new ApiError(
      'ANNOTATION_OUT_OF_BOUNDS',
      `region ${region.x},${region.y} ${region.width}×${region.height} exceeds the slide (${slide.width}×${slide.height})`,
      'region',
    );
  }
  const z = req.z ?? 0;
  if (z >= sectionCount(slide)) {
    throw new ApiError(
      'SECTION_OUT_OF_RANGE',
      `slide ${slide.id} has no section ${z} (${sectionCount(slide)} sections)`,
      'z',
    );
  }
  const { foregroundPixels } = prepared;
  const previous = req.supersedes === undefined ? undefined : currentVersion(store, req.supersedes, slide.id);
  if (req.modelVersion !== undefined) checkModelVersion(deps, req.modelVersion);
  const patches = annotationPatches(region, deps.patchSize);
  const source = sourceOf(deps.store, slide.id, patches, req.source);

  const id = randomId('an');
  const maskFile = paths.annotationMask(slide.id, id);
  await atomicWrite(maskFile, prepared.png);

  const record: AnnotationRecord = {
    id,
    slideId: slide.id,
    clientId: req.clientId,
    ...region,
    maskPath: paths.toRelative(maskFile),
    foregroundPixels,
    createdAt: new Date().toISOString(),
    version: previous ? previous.version + 1 : 1,
    ...(previous ? { supersedes: previous.id } : {}),
    z,
    patches: patches.map((p) => ({
      col: p.col,
      row: p.row,
      size: p.size,
      coveredPixels: p.coveredPixels,
    })),
  };
  try {
    store.db.transaction(() => {
      store.annotations.insert(record);
      store.learning.insert({
        annotationId: id,
        slideId: slide.id,
        modelVersion: req.modelVersion ?? null,
        activeSeconds: req.activeSeconds ?? null,
        strokes: req.strokes ?? null,
        source,
        objects: prepared.objects,
        counts: null,
      });
    })();
  } catch (err) {
    await rm(maskFile, { force: true });
    // Two identical requests raced past the lookup; the loser answers with the winner's annotation.
    const winner = store.annotations.getByClientId(req.clientId);
    if (winner) return { ack: replay(winner, req), created: false };
    // Two edits of one version raced past the check: the second one loses, nothing of it is kept.
    if (err instanceof AnnotationSupersededError) throw supersededError(err.id, err.supersededBy);
    throw err;
  }
  return { ack: toAck(record), created: true };
}

/** The version an edit replaces: it must exist, belong to the slide and not be history already. */
function currentVersion(store: Store, id: string, slideId: string): AnnotationRecord {
  const previous = store.annotations.get(id);
  if (!previous) throw new ApiError('ANNOTATION_NOT_FOUND', `no annotation ${id} to edit`, 'supersedes');
  if (previous.slideId !== slideId) {
    throw new ApiError(
      'BAD_REQUEST',
      `annotation ${id} belongs to slide ${previous.slideId}, not ${slideId}`,
      'supersedes',
    );
  }
  if (previous.supersededBy !== undefined) throw supersededError(id, previous.supersededBy);
  return previous;
}

function supersededError(id: string, by: string): ApiError {
  return new ApiError('ANNOTATION_SUPERSEDED', `annotation ${id} was already replaced by ${by}`, 'supersedes');
}

/** A version the project never had, or a newer one than it has, cannot have been on the person's screen. */
function checkModelVersion(deps: SaveAnnotationDeps, version: number): void {
  const known = new Set(deps.store.learning.knownModelVersions());
  const current = deps.currentModelVersion?.();
  if (current !== undefined) known.add(current);
  if (known.has(version)) return;
  const newest = known.size === 0 ? undefined : Math.max(...known);
  throw new ApiError(
    'ANNOTATION_MODEL_VERSION_UNKNOWN',
    newest === undefined
      ? `modelVersion ${version}: this project has no model version yet`
      : `modelVersion ${version} is ${version > newest ? 'newer than the newest' : 'not a'} model version of this project (newest: ${newest})`,
    'modelVersion',
  );
}

/** The daemon, not the client, knows which patches it served as random probes (the list does not reveal them). */
function sourceOf(
  store: Store,
  slideId: string,
  patches: readonly { col: number; row: number }[],
  claimed: AnnotationSource | undefined,
): AnnotationSource {
  if (patches.some((p) => store.learning.isProbe(slideId, p.col, p.row))) return 'random-probe';
  if (claimed === undefined || claimed === 'random-probe') return 'user';
  return claimed;
}

function replay(existing: AnnotationRecord, req: PreparedAnnotation['request']): AnnotationAck {
  const same =
    existing.slideId === req.slideId &&
    existing.x === req.region.x &&
    existing.y === req.region.y &&
    existing.width === req.region.width &&
    existing.height === req.region.height &&
    (existing.z ?? 0) === (req.z ?? 0);
  if (!same) {
    throw new ApiError(
      'IDEMPOTENCY_CONFLICT',
      `clientId ${req.clientId} was already used for another slide, section or region`,
      'clientId',
    );
  }
  return toAck(existing);
}

export function toAck(a: AnnotationRecord): AnnotationAck {
  const z = a.z ?? 0;
  return {
    id: a.id,
    slideId: a.slideId,
    clientId: a.clientId,
    patches: a.patches.map((p) => ({
      col: p.col,
      row: p.row,
      x: p.col * p.size,
      y: p.row * p.size,
      size: p.size,
      coveredPixels: p.coveredPixels,
      ...(z ? { z } : {}),
    })),
    ...(z ? { z } : {}),
  };
}
