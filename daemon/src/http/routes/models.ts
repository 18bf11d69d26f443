import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { MODEL_BUNDLE_FILES } from '@activeseg/protocol';
import { Hono } from 'hono';
import type { ModelEngine } from '../../engine/model-engine-api.js';
import { listVersions, versionDir } from '../../engine/model-store.js';
import { ApiError } from '../../errors/api-error.js';
import { type TarEntry, tarStream } from '../../project/tar-stream.js';

export interface ModelsRoutesDeps {
  /** `<project>/models`, holding one bundle folder per version (`v0001/`, …). */
  modelsDir: string;
  /** When wired, its `modelVersion()` is the current version; without one, the newest complete bundle on disk is. */
  engine: ModelEngine | null;
}

/**
 * `GET /api/models/current/bundle.tar`: the current model version as an uncompressed ustar archive of
 * `MODEL_BUNDLE_FILES`, streamed from disk. MODEL_NOT_READY when no version exists (or its files are missing).
 */
export function createModelsRoutes(deps: ModelsRoutesDeps): Hono {
  return new Hono().get('/api/models/current/bundle.tar', async (c) => {
    const version = await currentVersion(deps);
    if (version === undefined) throw new ApiError('MODEL_NOT_READY', 'no model version to export yet; train one first');
    const entries = await bundleEntries(versionDir(deps.modelsDir, version));
    if (!entries) throw new ApiError('MODEL_NOT_READY', `model version ${version} is incomplete on disk`);
    const bytes = entries.reduce((n, e) => n + 512 + Math.ceil(e.size / 512) * 512, 1024);
    const name = `activeseg-model-v${String(version).padStart(4, '0')}.tar`;
    return c.body(Readable.toWeb(tarStream(entries)) as ReadableStream<Uint8Array>, 200, {
      'content-type': 'application/x-tar',
      'content-length': String(bytes),
      'content-disposition': `attachment; filename="${name}"`,
      'x-model-version': String(version),
      'cache-control': 'no-store',
    });
  });
}

async function currentVersion(deps: ModelsRoutesDeps): Promise<number | undefined> {
  if (deps.engine) {
    const v = deps.engine.modelVersion();
    return v > 0 ? v : undefined;
  }
  for (const v of (await listVersions(deps.modelsDir)).reverse()) {
    if (await bundleEntries(versionDir(deps.modelsDir, v))) return v;
  }
  return undefined;
}

/** The bundle's files with their sizes, or undefined when one is missing (a save that never committed). */
async function bundleEntries(dir: string): Promise<TarEntry[] | undefined> {
  const entries: TarEntry[] = [];
  for (const name of MODEL_BUNDLE_FILES) {
    const path = join(dir, name);
    const st = await stat(path).catch(() => undefined);
    if (!st?.isFile()) return undefined;
    entries.push({ name, path, size: st.size, mtimeMs: st.mtimeMs });
  }
  return entries;
}
