import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createModelEngine, type ReloadableModelEngine } from '../engine/model-engine.js';
import { fleetJobBackend } from '../fleet/create-fleet-job-queue.js';
import type { JobBackend } from '../jobs/job-backend.js';
import { selectBackend } from '../model/backend.js';
import { restrictFileModes } from '../project/restrict-file-modes.js';
import { startServer } from '../server.js';
import { getPreset } from '../training/presets.js';
import { adoptBaseModel, parseBaseModel } from './base-model.js';
import { bootstrapDemoModel } from './bootstrap-demo-model.js';
import { DEMO_DATA_DIR, REPO_ROOT } from './demo-paths.js';
import { intOption } from './int-option.js';
import { waitForShutdownSignal } from './wait-for-shutdown-signal.js';

export const SERVE_USAGE = `activeseg serve [--project <dir>] [--port <n>] [--host 127.0.0.1] [--new-token] [--preset tiny|tem|sbem] [--no-auto-infer]

Starts the local daemon (HTTP + WebSocket on one port) and prints the viewer URL with the project's token (kept in
<project>/token, mode 0600, so a restart keeps the URL and open pages reconnect). Without --project it opens the
built-in demo project (the bundled AxonDeepSeg SEM slide). A project without a model starts from the base model
(version 1), so the first overlay is a real prediction before any annotation.

  --project <dir>   project folder (created if missing; default: runs/demo-project, the demo)
  --port <n>        port (default 8765; 0 picks a free one)
  --host <addr>     interface to bind (default 127.0.0.1: the daemon holds unpublished data); any other address
                    serves plain HTTP to the network: put a TLS proxy or an SSH tunnel in front (it says how)
  --new-token       replace the project's token: pages opened with the old URL are refused until reopened
  --preset <name>   model architecture and training settings for new models (default tiny: CPU-sized)
  --base-model <m>  demo | none | <bundle dir>: the model a project without one starts from (default demo: shipped,
                    trained on the bundled images except the demo slide's subject; tiny preset only). With none the
                    demo trains its first model at start-up and other projects wait for their first training
  --epochs <n>      epochs of the demo's first model with --base-model none (default 40)
  --backend <name>  force a tfjs backend
  --no-auto-infer   do not re-score after training: by default, when a training job ends with a new model version,
                    the slides viewers are looking at are scored again (their visible cells first), then the rest,
                    and overlays and suggestions update with no click
  --redis <url>     run jobs on a worker fleet (activeseg worker) through BullMQ on this Redis instead of in
                    this process; workers need the same --project folder (default: no Redis, embedded queue)
  --redis-prefix <name>  BullMQ key prefix shared with the workers (default activeseg)
  --redis-lease-ms <n>   after a Redis restart, a training job no worker holds a lease on for this long is failed
                         (FLEET_JOB_LOST); at least the workers' --lease-ms (default 30000)`;

const DEMO_SLIDE = 'sub-rat8_sample-V915';

export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      project: { type: 'string' },
      port: { type: 'string', default: '8765' },
      host: { type: 'string', default: '127.0.0.1' },
      'new-token': { type: 'boolean', default: false },
      preset: { type: 'string', default: 'tiny' },
      epochs: { type: 'string', default: '40' },
      'base-model': { type: 'string', default: 'demo' },
      backend: { type: 'string' },
      'no-auto-infer': { type: 'boolean', default: false },
      redis: { type: 'string' },
      'redis-prefix': { type: 'string' },
      'redis-lease-ms': { type: 'string', default: '30000' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(SERVE_USAGE);
    return 0;
  }
  const demo = values.project === undefined;
  const projectDir = values.project ?? join(REPO_ROOT, 'runs', 'demo-project');
  // Before the engine writes model versions under the project.
  restrictFileModes(projectDir);
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
  // From here on a signal means a clean stop; before, there is nothing to clean up.
  const stopRequested = waitForShutdownSignal({ log: (m) => log(m) });
  const server = await startServer({
    projectDir,
    port: intOption('port', values.port, { min: 0, max: 65535 }),
    host: values.host,
    newToken: values['new-token'],
    config: { autoInfer: !values['no-auto-infer'] },
    engine,
    ...(values.redis
      ? {
          jobBackend: fleetBackend(values.redis, values['redis-prefix'], engine, log, {
            leaseMs: intOption('redis-lease-ms', values['redis-lease-ms'], { min: 300 }),
          }),
        }
      : {}),
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
  await stopRequested;
  // Stops accepting, cancels the running job (its row ends `cancelled`), closes the database (WAL checkpoint).
  await server.close();
  await engine.dispose();
  console.error('stopped');
  return 0;
}

/** `--redis`: jobs go to the worker fleet; the daemon follows the versions its workers train. */
function fleetBackend(
  redisUrl: string,
  prefix: string | undefined,
  engine: ReloadableModelEngine,
  log: (message: string, err?: unknown) => void,
  extra: { leaseMs: number },
): JobBackend {
  return fleetJobBackend({
    redisUrl,
    ...(prefix ? { prefix } : {}),
    leaseMs: extra.leaseMs,
    engine,
    onModelTrained: async () => {
      await engine.reload();
    },
    log,
  });
}
