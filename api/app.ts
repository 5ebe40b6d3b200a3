import path from 'node:path';
import express, { type ErrorRequestHandler, type Express } from 'express';
import { PROJECT_ROOT } from '../core/paths';
import { logger } from '../core/logger';

export interface ApiDeps {
  /** Where the operator pages are served from. */
  uiDir?: string;
}

/** Builds the HTTP app (port 8000 by default); `api/main.ts` listens. */
export function createApp(deps: ApiDeps = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '1mb' }));

  // Liveness: the process serves HTTP. Open without a token.
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.use(express.static(deps.uiDir ?? path.join(PROJECT_ROOT, 'ui')));

  app.use((req, res) => {
    res.status(404).json({ error: 'not_found', message: `no route for ${req.method} ${req.path}` });
  });
  const onError: ErrorRequestHandler = (err: unknown, _req, res, _next) => {
    logger.error({ err }, 'request failed');
    res.status(500).json({ error: 'internal', message: 'internal error; see the API log' });
  };
  app.use(onError);
  return app;
}
