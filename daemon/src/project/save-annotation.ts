import { rm } from 'node:fs/promises';
import { type AnnotationAck, sectionCount } from '@activeseg/protocol';
import { ApiError } from '../errors/api-error.js';
import type { AnnotationRecord } from '../store/annotations-repo.js';
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
    z,
    patches: annotationPatches(region, deps.patchSize).map((p) => ({
      col: p.col,
      row: p.row,
      size: p.size,
      coveredPixels: p.coveredPixels,
    })),
  };
  try {
    store.annotations.insert(record);
  } catch (err) {
    await rm(maskFile, { force: true });
    // Two identical requests raced past the lookup; the loser answers with the winner's annotation.
    const winner = store.annotations.getByClientId(req.clientId);
    if (winner) return { ack: replay(winner, req), created: false };
    throw err;
  }
  return { ack: toAck(record), created: true };
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
