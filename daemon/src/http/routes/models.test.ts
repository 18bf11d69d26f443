import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorBody, ModelList, PromoteModelResult } from '@activeseg/protocol';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createModelEngine, type ReloadableModelEngine } from '../../engine/model-engine.js';
import { selectBackend } from '../../model/backend.js';
import { createUnet, parseUnetConfig } from '../../model/index.js';
import { MICRO_PRESET } from '../../testing/micro-preset.js';
import { createTempProject, type TempProject } from '../../testing/temp-project.js';

let t: TempProject;
let engine: ReloadableModelEngine | undefined;
afterEach(async () => {
  await engine?.dispose();
  engine = undefined;
  await t.dispose();
});

/** A project whose engine holds v1 (a base model, current) and v2 (trained, kept aside by the promotion rule). */
async function projectWithTwoVersions(): Promise<TempProject> {
  const dir = mkdtempSync(join(tmpdir(), 'activeseg-models-'));
  engine = await createModelEngine({
    modelsDir: join(dir, 'models'),
    preset: MICRO_PRESET,
    tfjsBackend: 'wasm',
    onnx: false,
  });
  const untrained = (seed: number) => {
    const config = parseUnetConfig({ ...MICRO_PRESET.unet, initSeed: seed });
    return { model: createUnet(config), config, normalization: { mean: 120, std: 60 } };
  };
  await engine.adopt(untrained(1), { mode: 'base', bestValDice: 0.8 });
  const kept = {
    mode: 'scratch',
    parentVersion: null,
    trainPatches: 12,
    valPatches: 3,
    valDice: 0.25,
    comparedWith: { version: 1, valDice: 0.763 },
    promoted: false,
    warning: 'v2 scored Dice 0.250 on its 3 validation patches, below the current v1’s 0.763',
  };
  await engine.adopt(untrained(2), kept, { makeCurrent: false });
  const project = createTempProject({ engine, dir });
  project.project.store.modelVersions.insert({
    version: 2,
    mode: 'scratch',
    jobId: 'jb_x',
    metrics: null,
    createdAt: '2026-12-05T06:00:00.000Z',
    parentVersion: null,
    annotationsUsed: 7,
    valDice: 0.25,
    comparedWith: { version: 1, valDice: 0.763 },
    promoted: false,
    warning: kept.warning,
  });
  return project;
}

describe('models routes', () => {
  beforeAll(async () => {
    await selectBackend({ purpose: 'train' });
  });

  it('lists every version with how it was trained, its validation Dice and which one is current', async () => {
    t = await projectWithTwoVersions();
    const res = await t.app.request('/api/models', { headers: t.auth });
    expect(res.status).toBe(200);
    const list = ModelList.parse(await res.json());
    expect(list.current).toBe(1);
    expect(list.versions.map((v) => [v.version, v.mode, v.current, v.promoted])).toEqual([
      [1, 'base', true, true],
      [2, 'scratch', false, false],
    ]);
    expect(list.versions[0]).toMatchObject({ valDice: 0.8, annotationsUsed: null, parentVersion: null });
    expect(list.versions[1]).toMatchObject({
      valDice: 0.25,
      annotationsUsed: 7,
      trainPatches: 12,
      valPatches: 3,
      comparedWith: { version: 1, valDice: 0.763 },
      createdAt: '2026-12-05T06:00:00.000Z',
    });
    expect(list.versions[1]?.warning).toMatch(/below the current v1/);
  });

  it('promotes a kept-aside version, rolls back, and tells the viewers each time', async () => {
    t = await projectWithTwoVersions();
    const broadcast = vi.spyOn(t.project.hub, 'broadcast');
    const promote = async (v: number) => {
      const res = await t.app.request(`/api/models/${v}/promote`, { method: 'POST', headers: t.auth });
      expect(res.status).toBe(200);
      return PromoteModelResult.parse(await res.json());
    };
    expect(await promote(2)).toEqual({ current: 2, previous: 1 });
    expect(engine?.modelVersion()).toBe(2);
    expect(broadcast).toHaveBeenLastCalledWith({ type: 'model.current', modelVersion: 2, previous: 1 });
    const list = ModelList.parse(await (await t.app.request('/api/models', { headers: t.auth })).json());
    expect(list.versions.map((v) => v.current)).toEqual([false, true]);

    expect(await promote(1)).toEqual({ current: 1, previous: 2 });
    expect(broadcast).toHaveBeenLastCalledWith({ type: 'model.current', modelVersion: 1, previous: 2 });
    // Making the current version current again changes nothing, so nothing is announced.
    broadcast.mockClear();
    expect(await promote(1)).toEqual({ current: 1, previous: 1 });
    expect(broadcast).not.toHaveBeenCalled();
  });

  it('answers an unknown version with MODEL_VERSION_UNKNOWN and a malformed one with BAD_REQUEST', async () => {
    t = await projectWithTwoVersions();
    const post = (v: string) => t.app.request(`/api/models/${v}/promote`, { method: 'POST', headers: t.auth });
    const unknown = await post('9');
    expect(unknown.status).toBe(404);
    expect(ErrorBody.parse(await unknown.json()).error).toMatchObject({
      code: 'MODEL_VERSION_UNKNOWN',
      field: 'version',
      message: 'no model version 9 in this project (versions 1, 2)',
    });
    for (const bad of ['0', 'abc', '1.5', '-1']) {
      const res = await post(bad);
      expect(res.status).toBe(400);
      expect(ErrorBody.parse(await res.json()).error.code).toBe('BAD_REQUEST');
    }
    expect(engine?.modelVersion()).toBe(1);
  });

  it('answers MODEL_NOT_READY when no engine is loaded', async () => {
    t = createTempProject();
    const res = await t.app.request('/api/models/1/promote', { method: 'POST', headers: t.auth });
    expect(res.status).toBe(503);
    expect(ErrorBody.parse(await res.json()).error.code).toBe('MODEL_NOT_READY');
    const list = ModelList.parse(await (await t.app.request('/api/models', { headers: t.auth })).json());
    expect(list).toEqual({ current: 0, versions: [] });
  });
});
