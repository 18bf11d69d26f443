import type { AnnotationSummary, PixelSize } from '@activeseg/protocol';
import type { AnnotationRecord } from '../store/annotations-repo.js';
import { toAck } from './save-annotation.js';

/** What the slide's annotation list shows of one stored version; areas in µm² only when the slide's pixel size is known. */
export function toAnnotationSummary(a: AnnotationRecord, pixelSize?: PixelSize): AnnotationSummary {
  return {
    id: a.id,
    slideId: a.slideId,
    region: { x: a.x, y: a.y, width: a.width, height: a.height },
    createdAt: a.createdAt,
    ...(a.source === undefined ? {} : { source: a.source }),
    areaPx: a.foregroundPixels,
    ...(pixelSize ? { areaUm2: a.foregroundPixels * pixelSize.x * pixelSize.y } : {}),
    version: a.version,
    ...(a.supersedes === undefined ? {} : { supersedes: a.supersedes }),
    ...(a.supersededBy === undefined ? {} : { supersededBy: a.supersededBy }),
    patches: toAck(a).patches,
    ...(a.z ? { z: a.z } : {}),
  };
}
