import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folders served without a token (see routes/viewer-page.ts and routes/vendor.ts). Undefined: not installed. */
export interface StaticDirs {
  /** `viewer-plugin/dist/page` (the built page; may not exist yet). */
  page: string;
  /** `@itk-wasm/image-io/dist/pipelines`: per-format `.js` + `.wasm.zst`. */
  imageIoPipelines: string | undefined;
  /** `itk-wasm/dist/pipeline/web-workers/bundles`: the pipeline web worker. */
  itkWasmBundles: string | undefined;
}

const tryResolve = (from: string, specifier: string): string | undefined => {
  try {
    return createRequire(from).resolve(specifier);
  } catch {
    return undefined;
  }
};

/**
 * Finds the folders through the package resolver (so hoisting and workspaces do not matter), never by a fixed
 * `node_modules/...` path. itk-wasm is resolved from image-io's own location: it is image-io's dependency.
 */
export function resolveStaticDirs(): StaticDirs {
  const imageIo = tryResolve(import.meta.url, '@itk-wasm/image-io');
  const itkWasm = imageIo ? tryResolve(imageIo, 'itk-wasm') : undefined;
  return {
    page: fileURLToPath(new URL('../../../../viewer-plugin/dist/page', import.meta.url)),
    // Both entries sit in the package's dist/.
    imageIoPipelines: imageIo ? join(dirname(imageIo), 'pipelines') : undefined,
    itkWasmBundles: itkWasm ? join(dirname(itkWasm), 'pipeline', 'web-workers', 'bundles') : undefined,
  };
}
