/**
 * File extensions the drop zone accepts, mapped to the image-io pipeline that reads them (one map, as
 * image-io's own extension-to-image-io does). Listed explicitly so an unsupported drop fails with a message
 * instead of after downloading every pipeline.
 */
export const IMAGE_EXTENSIONS: Readonly<Record<string, string>> = {
  png: 'png',
  jpg: 'jpeg',
  jpeg: 'jpeg',
  tif: 'tiff',
  tiff: 'tiff',
  bmp: 'bmp',
  nrrd: 'nrrd',
  nhdr: 'nrrd',
  mha: 'meta-image',
  mhd: 'meta-image',
  nii: 'nifti',
  'nii.gz': 'nifti',
  dcm: 'gdcm',
  vtk: 'vtk',
  mrc: 'mrc',
};

/** The map key for a file name (double extensions like `.nii.gz` first), or undefined when unsupported. */
export function imageExtensionOf(fileName: string): string | undefined {
  const lower = fileName.toLowerCase();
  for (const ext of Object.keys(IMAGE_EXTENSIONS).sort((a, b) => b.length - a.length)) {
    if (lower.endsWith(`.${ext}`)) return ext;
  }
  return undefined;
}
