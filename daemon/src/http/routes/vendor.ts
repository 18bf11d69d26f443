import { type Context, Hono } from 'hono';
import { ApiError } from '../../errors/api-error.js';
import { sendStaticFile } from '../static/send-static-file.js';
import type { StaticDirs } from '../static/static-dirs.js';
import { rawPathAfter } from './viewer-page.js';

export type VendorRoutesDeps = Pick<StaticDirs, 'imageIoPipelines' | 'itkWasmBundles'>;

/**
 * itk-wasm's files for decoding dropped images in the browser, served from the installed packages (never a
 * CDN) and without a token: the pipeline web worker fetches them and cannot add headers.
 *   /vendor/image-io/pipelines/* → @itk-wasm/image-io/dist/pipelines/*
 *   /vendor/itk-wasm/*           → itk-wasm/dist/pipeline/web-workers/bundles/*
 * Not content-hashed, so browsers revalidate (ETag) rather than cache blindly across package upgrades.
 */
export function createVendorRoutes(deps: VendorRoutesDeps): Hono {
  const serve = (root: string | undefined, prefix: string) => (c: Context) => {
    if (!root) throw new ApiError('NOT_FOUND', 'itk-wasm is not installed');
    return sendStaticFile(c, { root, rawRelative: rawPathAfter(c.req.url, prefix), cacheControl: 'no-cache' });
  };
  return new Hono()
    .get('/vendor/image-io/pipelines/*', serve(deps.imageIoPipelines, '/vendor/image-io/pipelines/'))
    .get('/vendor/itk-wasm/*', serve(deps.itkWasmBundles, '/vendor/itk-wasm/'));
}
