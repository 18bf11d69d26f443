/**
 * Child-process entry of the speed bench: the daemon exactly as `activeseg serve` wires it (tiny preset, the shipped
 * demo base model as version 1, the embedded job queue), bound to 127.0.0.1 on a free port, with the MC runner tuning
 * and daemon config given as JSON in argv[3] (the levers the bench compares). Prints one JSON line: { origin, token }.
 *
 *   node --import tsx daemon/bench/bench-daemon.ts <projectDir> '{"mcRunner":{"intraOpThreads":2}}'
 */
import { join } from 'node:path';
import { adoptBaseModel } from '../src/cli/base-model.js';
import { createModelEngine } from '../src/engine/model-engine.js';
import { selectBackend } from '../src/model/backend.js';
import { startServer } from '../src/server.js';
import { getPreset } from '../src/training/presets.js';
import type { BenchDaemonSettings } from './speed-lines.js';

const projectDir = process.argv[2];
if (!projectDir) throw new Error('usage: bench-daemon.ts <projectDir> [settings JSON]');
const settings = JSON.parse(process.argv[3] ?? '{}') as BenchDaemonSettings;
const preset = getPreset('tiny');
const backend = await selectBackend({ purpose: 'train' });
const engine = await createModelEngine({
  modelsDir: join(projectDir, 'models'),
  preset,
  tfjsBackend: backend.name,
  ...(settings.mcRunner ? { mcRunner: settings.mcRunner } : {}),
});
await adoptBaseModel(engine, { kind: 'demo' }, preset);
const server = await startServer({ projectDir, port: 0, host: '127.0.0.1', engine, config: settings.config ?? {} });
process.stdout.write(`${JSON.stringify({ origin: server.origin, token: server.token })}\n`);
