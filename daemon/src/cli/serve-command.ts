import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createModelEngine, type ModelEngine } from '../engine/model-engine.js';
import { fleetJobBackend } from '../fleet/create-fleet-job-queue.js';
import { selectBackend } from '../model/backend.js';
import type { JobBackend } from '../project/open-project.js';
import { startServer } from '../server.js';
import { getPreset } from '../training/presets.js';
import { adoptBaseModel, parseBaseModel } from './base-model.js';
import { bootstrapDemoModel } from './bootstrap-demo-model.js';
import { DEMO_DATA_DIR, REPO_ROOT } from './demo-paths.js';
import { intOption } from './int-option.js';

export const SERVE_USAGE = `activeseg serve [--project <dir>] [--port <n>] [--host 127.0.0.1] [--preset tiny|tem|sbem]

Starts the local daemon (HTTP + WebSocket on one port) and prints the viewer URL with this start's token. Without
--project it opens the built-in demo project (the bundled AxonDeepSeg SEM slide). A project without a model starts
from the base model (version 1), so the first overlay is a real prediction before any annotation.

  --project <dir>   project folder (created if missing; default: runs/demo-project, the demo)
  --port <n>        port (default 8765; 0 picks a free one)
  --host <addr>     interface to bind (default 127.0.0.1: the daemon holds unpublished data)
  --preset <name>   model architecture and training settings for new models (default tiny: CPU-sized)
  --base-model <m>  demo | none | <bundle dir>: the model a project without one starts from (default demo: shipped,
                    trained on the bundled images except the demo slide's subject; tiny preset only). With none the
                    demo trains its first model at start-up and other projects wait for their first training
  --epochs <n>      epochs of the demo's first model with --base-model none (default 40)
  --backend <name>  force a tfjs backend
  --redis <url>     run jobs on a worker fleet (activeseg worker) through BullMQ on this Redis instead of in
                    this process; workers need the same --project folder (default: no Redis, embedded queue)
  --redis-prefix <name>  BullMQ key prefix shared with the workers (default activeseg)`;

const DEMO_SLIDE = 'sub-rat8_sample-V915';

export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      project: { type: 'string' },
      port: { type: 'string', default: '8765' },
      host: { type: 'string', default: '127.0.0.1' },
      preset: { type: 'string', default: 'tiny' },
      epochs: { type: 'string', default: '40' },
      'base-model': { type: 'string', default: 'demo' },
      backend: { type: 'string' },
      redis: { type: 'string' },
      'redis-prefix': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(SERVE_USAGE);
    return 0;
  }
  const demo = values.project === undefined;
  const projectDir = values.project ?? join(REPO_ROOT, 'runs', 'demo-project');
  const preset = getPreset(values.preset);
  const backend = await selectBackend({ purpose: 'train', ...(values.backend ? { prefer: values.backend } : {}) });
  const log = (message: string, err?: unknown) =>
    console.error(`[daemon] ${message}${err ? `: ${(err as Error).message ?? err}` : ''}`);
  const engine = await createModelEngine({
    modelsDir: join(projectDir, 'models'),
    preset,
    tfjsBackend: backend.name,
    log,
  });
  const base = await adoptBaseModel(engine, parseBaseModel(values['base-model']), preset);
  if (base.version !== undefined) console.error(`model v${base.version}: ${base.why}`);
  if (demo && engine.modelVersion() === 0) {
    console.error('demo project: training a first model on the bundled images (the demo slide is held out)…');
    await bootstrapDemoModel({
      engine,
      dataDir: DEMO_DATA_DIR,
      preset,
      excludeImage: DEMO_SLIDE,
      epochs: intOption('epochs', values.epochs, { min: 1 }),
    });
  }
  const server = await startServer({
    projectDir,
    port: intOption('port', values.port, { min: 0, max: 65535 }),
    host: values.host,
    engine,
    ...(values.redis ? { jobBackend: fleetBackend(values.redis, values['redis-prefix'], engine, log) } : {}),
    log,
  });
  const api = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${server.origin}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json', ...init.headers },
    });
    const body = (await res.json()) as unknown;
    if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
    return body;
  };
  if (demo) {
    const slides = (await api('/api/slides')) as { slides: { id: string; name: string }[] };
    let slide = slides.slides.find((s) => s.name === DEMO_SLIDE);
    if (!slide) {
      slide = (await api('/api/slides', {
        method: 'POST',
        body: JSON.stringify({ path: join(DEMO_DATA_DIR, 'images', `${DEMO_SLIDE}.png`), name: DEMO_SLIDE }),
      })) as { id: string; name: string };
    }
    await api('/api/jobs', { method: 'POST', body: JSON.stringify({ kind: 'infer', slideId: slide.id }) });
  }
  console.log(`activeseg daemon on ${server.origin} (backend ${engine.backendName}, model v${engine.modelVersion()})`);
  console.log(`open the viewer: ${server.url}`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  console.error('shutting down…');
  await server.close();
  await engine.dispose();
  return 0;
}

/** `--redis`: jobs go to the worker fleet; the daemon follows the versions its workers train. */
function fleetBackend(
  redisUrl: string,
  prefix: string | undefined,
  engine: ModelEngine,
  log: (message: string, err?: unknown) => void,
): JobBackend {
  return fleetJobBackend({
    redisUrl,
    ...(prefix ? { prefix } : {}),
    engine,
    onModelTrained: async () => {
      await engine.reload();
    },
    log,
  });
}
