import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  MODEL_BUNDLE_FILES,
  type ModelList,
  ModelOrigin,
  type ModelVersionInfo,
  ModelVersionParams,
  type PromoteModelResult,
} from '@activeseg/protocol';
import { Hono } from 'hono';
import type { ModelEngine } from '../../engine/model-engine-api.js';
import { listVersions, versionDir } from '../../engine/model-store.js';
import { ApiError } from '../../errors/api-error.js';
import { readBundleManifest } from '../../model/index.js';
import { type TarEntry, tarStream } from '../../project/tar-stream.js';
import type { ModelVersionRecord, ModelVersionsRepo } from '../../store/model-versions-repo.js';
import { zValidator } from '../validate.js';

export interface ModelsRoutesDeps {
  /** `<project>/models`, holding one bundle folder per version (`v0001/`, …). */
  modelsDir: string;
  /** When wired, its `modelVersion()` is the current version; without one, the newest complete bundle on disk is. */
  engine: ModelEngine | null;
  /** How each trained version came to be (rows written by training jobs); versions without a row use their bundle. */
  modelVersions?: ModelVersionsRepo;
  /** After a promotion or rollback: tell the viewers (`model.current`). */
  onCurrentChanged?(current: number, previous: number): void;
}

/**
 * `GET /api/models`: every version with how it was trained and its validation Dice; `POST /api/models/:version/
 * promote`: make any version current; `GET /api/models/current/bundle.tar`: the current version as an uncompressed
 * ustar archive of `MODEL_BUNDLE_FILES`, streamed from disk (MODEL_NOT_READY when no version exists).
 */
export function createModelsRoutes(deps: ModelsRoutesDeps): Hono {
  return new Hono()
    .get('/api/models', async (c) => {
      const current = (await currentVersion(deps)) ?? 0;
      const rows = new Map((deps.modelVersions?.list() ?? []).map((r) => [r.version, r]));
      const versions: ModelVersionInfo[] = [];
      for (const v of await listVersions(deps.modelsDir)) {
        const manifest = await readBundleManifest(versionDir(deps.modelsDir, v)).catch(() => undefined);
        // A version whose manifest does not read is a save that never committed: nothing to show or promote.
        if (!manifest) continue;
        versions.push(versionInfo(v, manifest.createdAt, manifest.trainingInfo ?? {}, rows.get(v), current));
      }
      return c.json({ current, versions } satisfies ModelList);
    })
    .post('/api/models/:version/promote', zValidator('param', ModelVersionParams), async (c) => {
      const { version } = c.req.valid('param');
      if (!deps.engine?.promote) throw new ApiError('MODEL_NOT_READY', 'no model engine is loaded in this daemon');
      const result = await deps.engine.promote(version);
      if (result.current !== result.previous) deps.onCurrentChanged?.(result.current, result.previous);
      return c.json(result satisfies PromoteModelResult);
    })
    .get('/api/models/current/bundle.tar', async (c) => {
      const version = await currentVersion(deps);
      if (version === undefined)
        throw new ApiError('MODEL_NOT_READY', 'no model version to export yet; train one first');
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

/**
 * One version for the wire: the training job's row where there is one (it knows the annotations used), else what the
 * bundle recorded (base and bootstrap models, versions trained by a fleet worker before its row was written).
 */
function versionInfo(
  version: number,
  createdAt: string,
  info: Record<string, unknown>,
  row: ModelVersionRecord | undefined,
  current: number,
): ModelVersionInfo {
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const int = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : null);
  const mode = ModelOrigin.safeParse(row?.mode ?? info.mode);
  const compared = info.comparedWith as { version?: unknown; valDice?: unknown } | null | undefined;
  const fromInfo =
    int(compared?.version) && num(compared?.valDice) !== null
      ? { version: compared?.version as number, valDice: compared?.valDice as number }
      : null;
  const warning = row?.warning ?? (typeof info.warning === 'string' ? info.warning : undefined);
  const dice = num(row?.valDice ?? info.valDice ?? info.bestValDice);
  return {
    version,
    createdAt: row?.createdAt ?? createdAt,
    mode: mode.success ? mode.data : 'import',
    parentVersion: (row?.parentVersion ?? int(info.parentVersion)) || null,
    annotationsUsed: row?.annotationsUsed ?? null,
    trainPatches: int(info.trainPatches),
    valPatches: int(info.valPatches),
    valDice: dice !== null && dice >= 0 && dice <= 1 ? dice : null,
    comparedWith: row?.comparedWith ?? fromInfo,
    promoted: row?.promoted ?? info.promoted !== false,
    ...(warning ? { warning } : {}),
    current: version === current,
  };
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
