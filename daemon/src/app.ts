import { join } from 'node:path';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { UpgradeWebSocket } from 'hono/ws';
import type { WebSocket } from 'ws';
import type { Project } from './compose-project.js';
import { ApiError } from './errors/api-error.js';
import { requireHost } from './http/middleware/require-host.js';
import { requireToken } from './http/middleware/require-token.js';
import { createErrorHandler, type Logger } from './http/on-error.js';
import { createAnnotationsRoutes } from './http/routes/annotations.js';
import { createChangesRoutes } from './http/routes/changes.js';
import { createExportsRoutes } from './http/routes/exports.js';
import { createHealthRoutes } from './http/routes/health.js';
import { createJobsRoutes } from './http/routes/jobs.js';
import { createLearningRoutes } from './http/routes/learning.js';
import { createModelsRoutes } from './http/routes/models.js';
import { createNgffExportRoutes } from './http/routes/ngff-export.js';
import { createSettingsRoutes } from './http/routes/settings.js';
import { createSlidesRoutes, toSlideInfo } from './http/routes/slides.js';
import { createSuggestionsRoutes } from './http/routes/suggestions.js';
import { createTilesRoutes } from './http/routes/tiles.js';
import { createUploadsRoutes } from './http/routes/uploads.js';
import { createVendorRoutes } from './http/routes/vendor.js';
import { createViewerPageRoutes } from './http/routes/viewer-page.js';
import { resolveStaticDirs, type StaticDirs } from './http/static/static-dirs.js';
import type { SlideRecord } from './store/slides-repo.js';
import { type ClientSocket, createSocketSession, type SocketSession } from './ws/socket.js';

export interface AppDeps {
  /** Store, slides, hub, jobs, engine and config of the open project (see `composeProject`). */
  project: Project;
  token: string;
  /** Read per request; server.ts adds its own origin once the port is bound. */
  allowedOrigins: ReadonlySet<string>;
  /** Host names accepted besides the loopback ones (see `requireHost`); server.ts adds the bound `--host`. */
  allowedHosts?: ReadonlySet<string>;
  /** From @hono/node-ws; only server.ts has one. Without it `/ws` is not mounted. */
  upgradeWebSocket?: UpgradeWebSocket<WebSocket>;
  log?: Logger;
  /** Viewer page and itk-wasm folders served at `/`, `/assets/*`, `/vendor/*`; default `resolveStaticDirs()`. */
  staticDirs?: StaticDirs;
}

/**
 * The daemon's HTTP + WS surface as a value: no port, no globals. Tests drive it with `app.request()`;
 * only server.ts binds it. Order: health (open) → token/origin guard → body limits → routes; one onError.
 */
export function createApp(deps: AppDeps): Hono {
  const { project } = deps;
  const { config } = project;
  const log = deps.log ?? ((m, e) => console.error(`[activeseg] ${m}`, e ?? ''));
  const app = new Hono();
  app.onError(createErrorHandler(log));
  app.notFound(() => {
    throw new ApiError('NOT_FOUND', 'no such route');
  });

  // Before everything, health and the page included: a DNS-rebinding page must get nothing from this origin.
  app.use('*', requireHost(deps.allowedHosts ? { allowedHosts: deps.allowedHosts } : {}));
  app.route('/', createHealthRoutes());
  // Open like health: the page reads ?token= itself, and itk-wasm's worker cannot send headers.
  const staticDirs = deps.staticDirs ?? resolveStaticDirs();
  app.route('/', createViewerPageRoutes({ pageDir: staticDirs.page }));
  app.route('/', createVendorRoutes(staticDirs));

  const guard = requireToken({ token: deps.token, allowedOrigins: deps.allowedOrigins });
  app.use('/api/*', guard);
  app.use('/ws', guard);

  const limitError = (max: number) => () => {
    throw new ApiError('PAYLOAD_TOO_LARGE', `request body over ${max} bytes`);
  };
  const small = bodyLimit({ maxSize: config.maxBodyBytes, onError: limitError(config.maxBodyBytes) });
  const large = bodyLimit({
    maxSize: config.maxAnnotationBodyBytes,
    onError: limitError(config.maxAnnotationBodyBytes),
  });
  // Uploads stream to disk under their own limit (maxUploadBytes), enforced by the route itself.
  app.use('/api/*', (c, next) =>
    c.req.path === '/api/uploads' ? next() : (c.req.path === '/api/annotations' ? large : small)(c, next),
  );

  const { store, paths, slides, jobs, engine, tileCache } = project;
  const onSlideAdded = (record: SlideRecord): void =>
    void project.hub.broadcast({ type: 'slide.added', slide: toSlideInfo(record, config.dziTileSize) });
  app.route(
    '/',
    createSlidesRoutes({ config, paths, slides, slidesRepo: store.slides, store, hub: project.hub, onSlideAdded }),
  );
  app.route('/', createUploadsRoutes({ config, paths, slidesRepo: store.slides, onSlideAdded }));
  const currentVersion = () => engine?.modelVersion() ?? 0;
  app.route('/', createTilesRoutes({ config, paths, slides, scores: store.scores, tileCache, currentVersion }));
  app.route(
    '/',
    createAnnotationsRoutes({
      store,
      paths,
      slides,
      patchSize: config.patchSize,
      preparer: project.annotationPreparer,
      hub: project.hub,
      preScorer: project.preScorer,
      currentModelVersion: () => engine?.modelVersion(),
    }),
  );
  app.route('/', createSuggestionsRoutes({ slides, store, currentVersion }));
  app.route('/', createSettingsRoutes({ store }));
  app.route('/', createLearningRoutes({ slides, store, preScorer: project.preScorer }));
  app.route('/', createChangesRoutes({ config, paths, slides, scores: store.scores }));
  app.route('/', createJobsRoutes({ jobs, engine, slides }));
  app.route('/', createExportsRoutes({ config, paths, slides, store }));
  app.route('/', createNgffExportRoutes({ config, paths, slides, store }));
  app.route(
    '/',
    createModelsRoutes({
      modelsDir: join(paths.root, 'models'),
      engine,
      modelVersions: store.modelVersions,
      onCurrentChanged: (current, previous) =>
        project.hub.broadcast({ type: 'model.current', modelVersion: current, previous }),
    }),
  );

  if (deps.upgradeWebSocket) {
    app.get(
      '/ws',
      deps.upgradeWebSocket(() => {
        let session: SocketSession | undefined;
        return {
          onOpen(_event, ws) {
            const raw: ClientSocket | undefined = ws.raw;
            if (!raw) return;
            session = createSocketSession(raw, {
              hub: project.hub,
              maxInboundFramesPerSecond: config.wsMaxInboundFramesPerSecond,
              backendName: () => engine?.backendName ?? 'none',
              modelVersion: () => engine?.modelVersion() ?? 0,
              cancelJob: (jobId) => void jobs.cancel(jobId),
              prioritizeSlides: (slideIds) =>
                void jobs.prioritize?.(slideIds).catch((err: unknown) => log('prioritizing slides failed', err)),
              holds: project.holds,
              focus: project.focus,
            });
          },
          onMessage(event) {
            session?.onMessage(event.data);
          },
          onClose() {
            session?.onClose();
          },
        };
      }),
    );
  }
  return app;
}
