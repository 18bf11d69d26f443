import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createNodeWebSocket } from '@hono/node-ws';
import { Hono } from 'hono';
import { createApp } from './app.js';
import { composeProject } from './compose-project.js';
import { type DaemonConfig, parseConfig } from './config.js';
import type { ModelEngine } from './engine/model-engine-api.js';
import { ApiError } from './errors/api-error.js';
import { hostNamesFor, nonLoopbackWarning } from './http/non-loopback-warning.js';
import { createErrorHandler } from './http/on-error.js';
import type { JobBackend } from './jobs/job-backend.js';
import { projectToken } from './project/project-token.js';
import { restrictFileModes } from './project/restrict-file-modes.js';
import { startHeartbeat } from './ws/heartbeat.js';

export interface StartServerOptions {
  projectDir: string;
  /** 0 picks a free port. */
  port?: number;
  /** Loopback by default: the daemon holds unpublished data and is driven by a local browser. */
  host?: string;
  /**
   * Fixed token (tests, service setups); otherwise the project's own (`<project>/token`, 0600, made once), so a
   * restart keeps the viewer URL.
   */
  token?: string;
  /** Replace the project's stored token with a new one (`serve --new-token`). */
  newToken?: boolean;
  /** Where the plain-HTTP warning for a non-loopback `host` goes; default stderr. */
  warn?: (message: string) => void;
  /** Partial config, parsed and defaulted by `parseConfig`. */
  config?: Partial<DaemonConfig>;
  engine?: ModelEngine | null;
  /** Remote job execution (`serve --redis`); default: the embedded queue. */
  jobBackend?: JobBackend;
  log?: (message: string, err?: unknown) => void;
}

export interface StartServerResult {
  /** `http://host:port/?token=…`: what the viewer is opened with. */
  url: string;
  origin: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

/** Opens the project, binds HTTP + WS on one port, starts the heartbeat. The only place that listens. */
export async function startServer(options: StartServerOptions): Promise<StartServerResult> {
  const config = parseConfig(options.config ?? {});
  const host = options.host ?? '127.0.0.1';
  restrictFileModes(options.projectDir);
  const token = options.token ?? projectToken(options.projectDir, options.newToken ? { rotate: true } : {}).token;
  const project = composeProject({
    projectDir: options.projectDir,
    config,
    engine: options.engine ?? null,
    ...(options.jobBackend ? { jobBackend: options.jobBackend } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  const allowedOrigins = new Set<string>(config.allowedOrigins);
  const allowedHosts = hostNamesFor(host);

  // node-ws needs the app to replay upgrade requests through its middleware, and the app needs node-ws's
  // upgradeWebSocket to mount /ws; an outer app breaks the cycle.
  const root = new Hono();
  // `route()` carries the app's routes (each wrapped in the app's onError) but not its notFound: without these,
  // an unknown path or method answers hono's plain-text 404 instead of an ErrorBody.
  root.onError(createErrorHandler(options.log ?? ((m, e) => console.error(`[activeseg] ${m}`, e ?? ''))));
  root.notFound(() => {
    throw new ApiError('NOT_FOUND', 'no such route');
  });
  const nodeWs = createNodeWebSocket({ app: root });
  // ws reads maxPayload when each socket is upgraded; the default (100 MiB) is far above our JSON frames.
  nodeWs.wss.options.maxPayload = config.wsMaxPayloadBytes;
  root.route(
    '/',
    createApp({
      project,
      token,
      allowedOrigins,
      allowedHosts,
      upgradeWebSocket: nodeWs.upgradeWebSocket,
      ...(options.log ? { log: options.log } : {}),
    }),
  );

  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: root.fetch, port: options.port ?? 0, hostname: host }, () => resolve(s));
    s.once('error', reject);
  });
  nodeWs.injectWebSocket(server);
  const stopHeartbeat = startHeartbeat(nodeWs.wss, { intervalMs: config.pingIntervalMs });

  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const origin = `http://${urlHost}:${port}`;
  allowedOrigins.add(origin);
  if (host === '127.0.0.1' || host === '::1') allowedOrigins.add(`http://localhost:${port}`);
  const warning = nonLoopbackWarning(host, port);
  if (warning) (options.warn ?? ((m: string) => console.error(m)))(warning);

  let closing: Promise<void> | undefined;
  return {
    url: `${origin}/?token=${encodeURIComponent(token)}`,
    origin,
    port,
    token,
    close: () => {
      closing ??= (async () => {
        stopHeartbeat();
        for (const ws of nodeWs.wss.clients) ws.terminate();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await project.close();
      })();
      return closing;
    },
  };
}
