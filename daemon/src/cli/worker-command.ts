import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createModelEngine } from '../engine/model-engine.js';
import { DEFAULT_FLEET_PREFIX } from '../fleet/fleet-jobs.js';
import { startFleetWorker } from '../fleet/start-fleet-worker.js';
import { selectBackend } from '../model/backend.js';
import { createProjectPaths } from '../project/project-paths.js';
import { getPreset } from '../training/presets.js';
import { intOption } from './int-option.js';
import { waitForShutdownSignal } from './wait-for-shutdown-signal.js';

export const WORKER_USAGE = `activeseg worker --redis <url> --project <dir> [options]

A fleet worker: takes MC-inference batches and training jobs that "activeseg serve --redis" enqueues, runs them with
the daemon's code on the shared project folder (SQLite database, slides, models), and reports progress through
BullMQ. Run one per GPU (or per few CPU cores); stop with SIGINT/SIGTERM (the running batch finishes first).

  --redis <url>             Redis URL (redis://host:port[/db]), the same as the daemon's
  --project <dir>           the shared project folder the daemon serves
  --redis-prefix <name>     BullMQ key prefix (default ${DEFAULT_FLEET_PREFIX}; one per project sharing a Redis)
  --name <name>             worker name in logs and CLIENT LIST (default worker-<pid>)
  --preset <name>           training settings for training jobs (default tiny)
  --mc-passes <n>           Monte-Carlo passes per patch (default: the preset's)
  --no-onnx                 score with tfjs: per-patch seeds make scores repeatable across workers and runs
  --lock-ms <n>             batch lock; a dead worker's batch is retried after it lapses (default 30000)
  --stalled-interval-ms <n> how often to look for dead workers' batches (default 30000)
  --lease-ms <n>            lease on the running job, renewed every third of it, so the daemon can tell after a
                            Redis restart that this worker is still on it (default 30000; the daemon's must be ≥)
  --backend <name>          force a tfjs backend`;

export async function workerCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      redis: { type: 'string' },
      project: { type: 'string' },
      'redis-prefix': { type: 'string', default: DEFAULT_FLEET_PREFIX },
      name: { type: 'string' },
      preset: { type: 'string', default: 'tiny' },
      'mc-passes': { type: 'string' },
      'no-onnx': { type: 'boolean', default: false },
      'lock-ms': { type: 'string', default: '30000' },
      'stalled-interval-ms': { type: 'string', default: '30000' },
      'lease-ms': { type: 'string', default: '30000' },
      backend: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(WORKER_USAGE);
    return 0;
  }
  if (!values.redis || !values.project) {
    console.error(`activeseg worker: --redis and --project are required\n\n${WORKER_USAGE}`);
    return 2;
  }
  const name = values.name ?? `worker-${process.pid}`;
  const log = (message: string, err?: unknown) =>
    console.error(`[${name}] ${message}${err ? `: ${(err as Error).message ?? err}` : ''}`);
  const backend = await selectBackend({ purpose: 'train', ...(values.backend ? { prefer: values.backend } : {}) });
  const engine = await createModelEngine({
    modelsDir: join(createProjectPaths(values.project).root, 'models'),
    preset: getPreset(values.preset),
    tfjsBackend: backend.name,
    onnx: !values['no-onnx'],
    ...(values['mc-passes'] ? { mcPasses: intOption('mc-passes', values['mc-passes'], { min: 1 }) } : {}),
    log,
  });
  const stopRequested = waitForShutdownSignal({ log: (m) => log(m) });
  const worker = await startFleetWorker({
    redisUrl: values.redis,
    projectDir: values.project,
    engine,
    prefix: values['redis-prefix'],
    name,
    lockDurationMs: intOption('lock-ms', values['lock-ms'], { min: 1000 }),
    stalledIntervalMs: intOption('stalled-interval-ms', values['stalled-interval-ms'], { min: 500 }),
    leaseMs: intOption('lease-ms', values['lease-ms'], { min: 300 }),
    log,
  });
  log(`ready (backend ${engine.backendName}, model v${engine.modelVersion()}, queue ${values['redis-prefix']})`);
  await stopRequested;
  log('stopping after the running batch…');
  // Lets the running batch finish, then closes the Redis connections and the project database.
  await worker.close();
  await engine.dispose();
  log('stopped');
  return 0;
}
