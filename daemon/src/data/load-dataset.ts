import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { FloatImage, MaskImage } from '@activeseg/shared';
import { DataError } from './data-error.js';
import { isSkippedDataFile, splitDataFileName } from './data-file-name.js';
import { DEFAULT_MASK_MAPPING, type MaskMapping, mapMask } from './mask-mapping.js';
import { type ReadImageOptions, readImage } from './read-image.js';

export interface LoadDatasetOptions {
  /** Data set root holding the image and mask folders. */
  dir: string;
  /** Image folder, relative to `dir`. Default 'images'. */
  images?: string;
  /** Mask folder, relative to `dir`. Default 'masks-myelin'. */
  masks?: string;
  /** Raw mask value → label rule. Default `DEFAULT_MASK_MAPPING` (threshold 127, for 0/255 masks). */
  mapping?: MaskMapping;
  read?: ReadImageOptions;
}

export interface DatasetItem {
  /** File name without extension, shared by the image and its mask. */
  id: string;
  /** Raw intensities as float (not normalised: statistics belong to the training split, see `computeNormalization`). */
  image: FloatImage;
  /** 1 foreground, 0 background. */
  mask: MaskImage;
  /** 0 where the mask mapping ignored a pixel; absent when every pixel is annotated. */
  weight?: MaskImage;
  /** Path of the image file. */
  sourcePath: string;
  /** Path of the mask file. */
  maskPath: string;
}

export interface LoadDatasetResult {
  /** Sorted by id (code-unit order, so it does not depend on the locale). */
  items: DatasetItem[];
}

/**
 * Loads every image/mask pair under `dir`. Files pair by id (file name without extension; the extensions may
 * differ, e.g. `a.tif` with `a.png`). Nothing is repaired: an unpaired file, two files with one id, an image and
 * mask of different sizes, or unexpected mask values stop the load with a `DataError` naming the file(s).
 */
export async function loadDataset(options: LoadDatasetOptions): Promise<LoadDatasetResult> {
  const { dir, images = 'images', masks = 'masks-myelin', mapping = DEFAULT_MASK_MAPPING } = options;
  const imageDir = join(dir, images);
  const maskDir = join(dir, masks);
  const imageFiles = await listById(imageDir);
  const maskFiles = await listById(maskDir);

  for (const [id, file] of imageFiles) {
    if (!maskFiles.has(id)) {
      throw new DataError('FILE_NOT_FOUND', `${join(imageDir, file)}: no mask with id "${id}" in ${maskDir}`, {
        path: join(imageDir, file),
      });
    }
  }
  for (const [id, file] of maskFiles) {
    if (!imageFiles.has(id)) {
      throw new DataError('FILE_NOT_FOUND', `${join(maskDir, file)}: no image with id "${id}" in ${imageDir}`, {
        path: join(maskDir, file),
      });
    }
  }
  if (imageFiles.size === 0) {
    throw new DataError('EMPTY_DATASET', `${dir}: no image/mask pairs in ${imageDir} and ${maskDir}`, { path: dir });
  }

  const ids = [...imageFiles.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const items: DatasetItem[] = [];
  // One pair at a time: sharp already decodes on its own thread pool, and full slides are large.
  for (const id of ids) {
    const sourcePath = join(imageDir, imageFiles.get(id) as string);
    const maskPath = join(maskDir, maskFiles.get(id) as string);
    const image = await readImage(sourcePath, options.read);
    const rawMask = await readImage(maskPath, options.read);
    if (image.width !== rawMask.width || image.height !== rawMask.height) {
      throw new DataError(
        'SIZE_MISMATCH',
        `${sourcePath} is ${image.width}×${image.height} but its mask ${maskPath} is ${rawMask.width}×${rawMask.height}`,
        { path: maskPath },
      );
    }
    const mapped = mapMask(rawMask.data, mapping, {
      width: rawMask.width,
      height: rawMask.height,
      sourcePath: maskPath,
    });
    const item: DatasetItem = {
      id,
      image: { width: image.width, height: image.height, data: Float32Array.from(image.data) },
      mask: mapped.mask,
      sourcePath,
      maskPath,
    };
    if (mapped.weight !== undefined) item.weight = mapped.weight;
    items.push(item);
  }
  return { items };
}

/** id → file name for one folder; hidden files and known sidecars are skipped. */
async function listById(folder: string): Promise<Map<string, string>> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch (error) {
    throw new DataError('FILE_NOT_FOUND', `${folder}: data set folder not found`, { path: folder, cause: error });
  }
  const byId = new Map<string, string>();
  for (const entry of entries) {
    if (!entry.isFile() || isSkippedDataFile(entry.name)) continue;
    const { id } = splitDataFileName(entry.name);
    const other = byId.get(id);
    if (other !== undefined) {
      throw new DataError(
        'DUPLICATE_ID',
        `${join(folder, entry.name)} and ${join(folder, other)} share the id "${id}"; keep one so pairing is unambiguous`,
        { path: join(folder, entry.name) },
      );
    }
    byId.set(id, entry.name);
  }
  return byId;
}
