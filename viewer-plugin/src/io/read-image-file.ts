import { imageExtensionOf } from './image-extensions.js';
import { imageToRgba, type RgbaImage } from './image-to-rgba.js';

export interface ReadImageFileOptions {
  /** Folder the daemon serves `@itk-wasm/image-io/dist/pipelines` from (never a CDN). */
  pipelinesBaseUrl: string;
  /** URL of `itk-wasm/dist/pipeline/web-workers/bundles/itk-wasm-pipeline.min.worker.js` on the daemon. */
  pipelineWorkerUrl: string;
}

export type ReadImageFileResult = RgbaImage;

/**
 * Decodes a dropped file in the browser with itk-wasm image-io, so it can be shown before the upload finishes.
 * image-io is imported lazily: it is large and only needed when someone drops a file.
 */
export async function readImageFile(file: File, options: ReadImageFileOptions): Promise<ReadImageFileResult> {
  if (imageExtensionOf(file.name) === undefined) {
    throw new Error(`${file.name}: not an image format the viewer can read (try PNG, JPEG or TIFF)`);
  }
  const io = await import('@itk-wasm/image-io');
  io.setPipelinesBaseUrl(options.pipelinesBaseUrl);
  io.setPipelineWorkerUrl(options.pipelineWorkerUrl);
  let result: Awaited<ReturnType<typeof io.readImage>>;
  try {
    result = await io.readImage(file);
  } catch (err) {
    throw new Error(`${file.name}: cannot be decoded (${err instanceof Error ? err.message : String(err)})`);
  }
  // The worker is reused by later reads; image-io keeps it as its default.
  const { image } = result;
  return imageToRgba(
    { size: [...image.size], components: image.imageType.components, data: image.data as ArrayLike<number> | null },
    file.name,
  );
}
