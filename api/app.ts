import path from 'node:path';
import express, { type Express } from 'express';
import { PROJECT_ROOT } from '../core/paths';
import { jsonErrorHandler } from './http-errors';
import { kafkaRoutes, type KafkaRouteDeps } from './routes/kafka-routes';
import { metricsRoutes, type MetricsRouteDeps } from './routes/metrics-routes';
import { schedulerRoutes, type SchedulerRouteDeps } from './routes/scheduler-routes';

export interface ApiDeps extends KafkaRouteDeps, SchedulerRouteDeps, MetricsRouteDeps {
  /** Where the operator pages are served from. @default "<project>/ui" */
  uiDir?: string;
}

/** Builds the HTTP app (port 8000 by default); `api/main.ts` listens. */
export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '1mb' }));

  // Liveness: the process serves HTTP. Open without a token.
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use('/api/kafka/metrics', metricsRoutes(deps));
  app.use('/api/kafka', kafkaRoutes(deps));
  app.use('/api/scheduler', schedulerRoutes(deps));
  app.use(express.static(deps.uiDir ?? path.join(PROJECT_ROOT, 'ui')));

  app.use((req, res) => {
    res.status(404).json({ error: 'not_found', message: `no route for ${req.method} ${req.path}` });
  });
  app.use(jsonErrorHandler);
  return app;
}
