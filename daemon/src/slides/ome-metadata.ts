import type { PixelSize } from '@activeseg/protocol';
import { z } from 'zod';
import { ApiError } from '../errors/api-error.js';

/**
 * The parts of NGFF multiscales metadata (v0.4 in `.zattrs`, v0.5 under `attributes.ome` of `zarr.json`) a 2D slide
 * needs. Anything else in the metadata (omero rendering, labels, custom keys) is ignored.
 */
const Axis = z.object({
  name: z.string().min(1),
  type: z.string().optional(),
  unit: z.string().optional(),
});
const Transform = z.union([
  z.object({ type: z.literal('scale'), scale: z.array(z.number().positive().finite()) }),
  z.object({ type: z.literal('translation'), translation: z.array(z.number().finite()) }),
  z.object({ type: z.literal('identity') }),
]);
const Dataset = z.object({
  path: z.string().min(1),
  coordinateTransformations: z.array(Transform).min(1),
});
const Multiscale = z.object({
  version: z.string().optional(),
  name: z.string().optional(),
  axes: z.array(Axis).min(2).max(5),
  datasets: z.array(Dataset).min(1).max(64),
  coordinateTransformations: z.array(Transform).optional(),
});
/** OMERO rendering settings: only the first channel's display window is used (to map 16-bit data to grey). */
const Omero = z.object({
  channels: z
    .array(z.object({ window: z.object({ start: z.number().finite(), end: z.number().finite() }).optional() }))
    .min(1),
});
const V04Attributes = z.object({ multiscales: z.array(Multiscale).min(1), omero: z.unknown().optional() });
const V05Attributes = z.object({
  ome: z.object({ version: z.string(), multiscales: z.array(Multiscale).min(1), omero: z.unknown().optional() }),
});

export interface OmeAxis {
  name: string;
  type: string | undefined;
  unit: string | undefined;
}

export interface OmeMultiscales {
  /** `0.4` or `0.5` (or the version the metadata states). */
  version: string;
  axes: OmeAxis[];
  /** Finest first, as NGFF requires; `scale` has one factor per axis. */
  datasets: { path: string; scale: number[] }[];
  /** Index of the y and x axes. */
  y: number;
  x: number;
  /** OMERO display window of the first channel (`start` shows black, `end` white), when the metadata has one. */
  window: { start: number; end: number } | undefined;
}

/** Reads the first multiscales entry of a group's attributes, or SLIDE_METADATA_INVALID naming `where`. */
export function parseOmeMultiscales(attrs: unknown, where: string): OmeMultiscales {
  const v05 = V05Attributes.safeParse(attrs);
  const v04 = v05.success ? undefined : V04Attributes.safeParse(attrs);
  const ms = v05.success ? v05.data.ome.multiscales[0] : v04?.success ? v04.data.multiscales[0] : undefined;
  if (!ms) {
    const issue = (v04 && !v04.success ? v04.error : v05.error)?.issues[0];
    const at = issue ? ` (${issue.path.join('.') || 'attributes'}: ${issue.message})` : '';
    throw invalid(where, `no valid NGFF multiscales metadata${at}`);
  }
  const version = v05.success ? v05.data.ome.version : (ms.version ?? '0.4');
  const axes = ms.axes.map((a) => ({ name: a.name, type: a.type, unit: a.unit }));
  const names = axes.map((a) => a.name);
  if (new Set(names).size !== names.length) throw invalid(where, `axes repeat a name: ${names.join(', ')}`);
  const y = names.indexOf('y');
  const x = names.indexOf('x');
  if (y < 0 || x < 0 || y !== axes.length - 2 || x !== axes.length - 1) {
    throw new ApiError(
      'SLIDE_AXES_UNSUPPORTED',
      `${where}: the last two axes must be y and x (found ${names.join(', ')})`,
      'path',
    );
  }
  const datasets = ms.datasets.map((d) => {
    const scale = d.coordinateTransformations.find((t) => t.type === 'scale');
    if (!scale || scale.scale.length !== axes.length) {
      throw invalid(`${where}/${d.path}`, `needs a scale transformation with ${axes.length} factors`);
    }
    return { path: d.path, scale: scale.scale };
  });
  const omero = Omero.safeParse(v05.success ? v05.data.ome.omero : v04?.success ? v04.data.omero : undefined);
  const w = omero.success ? omero.data.channels[0]?.window : undefined;
  const window = w && w.end > w.start ? { start: w.start, end: w.end } : undefined;
  return { version, axes, datasets, y, x, window };
}

const TO_MICROMETRES: Record<string, number> = {
  angstrom: 1e-4,
  nanometer: 1e-3,
  micrometer: 1,
  millimeter: 1e3,
  centimeter: 1e4,
  meter: 1e6,
};

/** Level-0 pixel size in µm from the axes' units and the finest dataset's scale, or undefined without units. */
export function pixelSizeOf(ms: OmeMultiscales): PixelSize | undefined {
  const fy = TO_MICROMETRES[ms.axes[ms.y]?.unit ?? ''];
  const fx = TO_MICROMETRES[ms.axes[ms.x]?.unit ?? ''];
  const scale = ms.datasets[0]?.scale;
  if (fy === undefined || fx === undefined || !scale) return undefined;
  return { x: scale[ms.x]! * fx, y: scale[ms.y]! * fy, unit: 'µm' };
}

function invalid(where: string, why: string): ApiError {
  return new ApiError('SLIDE_METADATA_INVALID', `${where}: ${why}`, 'path');
}
