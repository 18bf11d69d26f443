/** Side files that live next to images in BIDS-style data sets and are not images. */
const SIDECAR_EXTENSIONS = new Set(['.json', '.md', '.txt', '.csv', '.tsv']);
/** Two-part extensions that must come off whole to get the id. */
const COMPOUND_EXTENSIONS = ['.nii.gz', '.ome.tiff', '.ome.tif'];

export interface DataFileName {
  /** File name without extension: what pairs an image with its mask, and names predict's outputs. */
  id: string;
  /** Lower-case extension with its dot (`.png`, `.nii.gz`), '' when there is none. */
  ext: string;
}

export function splitDataFileName(name: string): DataFileName {
  const lower = name.toLowerCase();
  for (const ext of COMPOUND_EXTENSIONS) {
    if (lower.endsWith(ext) && lower.length > ext.length) return { id: name.slice(0, -ext.length), ext };
  }
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? { id: name, ext: '' } : { id: name.slice(0, dot), ext: lower.slice(dot) };
}

/**
 * Whether a file in an image folder is skipped rather than read as an image: hidden files (`.DS_Store`) and known
 * sidecars (`README.md`, BIDS `.json`). The data-set loader and `activeseg predict` both list folders through this.
 */
export function isSkippedDataFile(name: string): boolean {
  return name.startsWith('.') || SIDECAR_EXTENSIONS.has(splitDataFileName(name).ext);
}
