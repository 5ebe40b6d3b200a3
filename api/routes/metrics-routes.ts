import { Router } from 'express';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { METRICS_PERIODS, type MetricsStore } from '../../core/metrics/metrics-store';
import type { TokenRegistry } from '../auth';

export interface MetricsRouteDeps {
  auth: TokenRegistry;
  metrics: MetricsStore;
  prometheus: Registry;
}

const summaryQuery = z.object({ period: z.enum(METRICS_PERIODS).default('today') });
const hourlyQuery = z.object({ hours: z.coerce.number().int().min(1).max(2160).default(24) });
const cleanupQuery = z.object({ days: z.coerce.number().int().min(1).max(3650).default(30) });

/** `/api/kafka/metrics/*`: the runbook's summary, hourly, cleanup and Prometheus endpoints. */
export function metricsRoutes({ auth, metrics, prometheus }: MetricsRouteDeps): Router {
  const router = Router();
  router.get('/summary', auth.require('read'), async (req, res) => {
    const { period } = summaryQuery.parse(req.query);
    await metrics.flush().catch(() => undefined);
    res.json(await metrics.summary(period));
  });
  router.get('/hourly', auth.require('read'), async (req, res) => {
    const { hours } = hourlyQuery.parse(req.query);
    await metrics.flush().catch(() => undefined);
    res.json(await metrics.hourly(hours));
  });
  router.post('/cleanup', auth.require('operate'), async (req, res) => {
    res.json(await metrics.cleanup(cleanupQuery.parse(req.query).days));
  });
  router.get('/prometheus', auth.require('read'), async (_req, res) => {
    res.set('Content-Type', prometheus.contentType).send(await prometheus.metrics());
  });
  return router;
}
