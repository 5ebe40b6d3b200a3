import fs from 'node:fs';
import path from 'node:path';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { uiDistDir } from '../core/paths';
import { jsonErrorHandler } from './http-errors';
import { openApiDocument, rejectUndocumentedMethods } from './openapi';
import { alertsRoutes, type AlertRouteDeps } from './routes/alerts-routes';
import { kafkaRoutes, type KafkaRouteDeps } from './routes/kafka-routes';
import { metricsRoutes, type MetricsRouteDeps } from './routes/metrics-routes';
import { schedulerRoutes, type SchedulerRouteDeps } from './routes/scheduler-routes';
import { sessionRoutes, type SessionRouteDeps } from './routes/session-routes';

export interface ApiDeps
  extends KafkaRouteDeps, SchedulerRouteDeps, MetricsRouteDeps, AlertRouteDeps, Pick<SessionRouteDeps, 'sla'> {
  /** Where the built operator pages are served from (`npm run build`). @default "<project>/ui/dist" */
  uiDir?: string;
}

/** Builds the HTTP app (port 8000 by default); `api/main.ts` listens. */
export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(securityHeaders());
  app.use(express.json({ limit: '1mb' }));

  // Liveness: the process serves HTTP (200 even without Temporal, which only some routes need). Open
  // without a token; `temporal` is the latest known state of the server, never waited for.
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', temporal: deps.temporal.state() });
  });
  // Before the routers: a router answers OPTIONS itself, with the methods of every route its path matches.
  app.use(rejectUndocumentedMethods());
  app.use('/api/kafka/metrics', metricsRoutes(deps));
  app.use('/api/kafka', kafkaRoutes(deps));
  app.use('/api/scheduler', schedulerRoutes(deps));
  app.use('/api/alerts', alertsRoutes(deps));
  app.use('/api/session', sessionRoutes(deps));
  // The contract of the routes above, open like the pages: it holds no data, only shapes.
  const openApi = openApiDocument();
  app.get('/api/openapi.json', (_req, res) => {
    res.json(openApi);
  });
  serveUi(app, deps.uiDir ?? uiDistDir());

  app.use((req, res) => {
    res.status(404).json({ error: 'not_found', message: `no route for ${req.method} ${req.path}` });
  });
  app.use(jsonErrorHandler);
  return app;
}

/**
 * Security headers on every answer (helmet): the pages load only their own scripts, styles and
 * connections and cannot be framed (clickjacking); no MIME sniffing; no referrer leaves the site.
 * HSTS is left to the TLS-terminating proxy: the API itself serves plain HTTP on 127.0.0.1.
 */
function securityHeaders() {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        // The pages' favicon is an empty data: URL.
        imgSrc: ["'self'", 'data:'],
      },
    },
    // The same rule for browsers that predate frame-ancestors.
    xFrameOptions: { action: 'deny' },
    strictTransportSecurity: false,
    referrerPolicy: { policy: 'no-referrer' },
  });
}

/** The operator pages: `/` (dashboard) and `/scheduler`, built from ui/ by `npm run build`. */
function serveUi(app: Express, uiDir: string): void {
  // Pages are small and change with each build: revalidate rather than cache stale scripts.
  app.use(express.static(uiDir, { extensions: ['html'], maxAge: 0 }));
  app.get(['/', '/scheduler'], (_req, res) => {
    if (fs.existsSync(path.join(uiDir, 'index.html'))) {
      res.status(404).json({ error: 'not_found', message: 'no such page' });
      return;
    }
    res
      .status(503)
      .type('text/plain')
      .send('The operator pages are not built: run `npm run build` (npm start does it), then reload.\n');
  });
}
