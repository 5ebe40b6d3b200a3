import { Router } from 'express';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { METRICS_PERIODS, type MetricsStore } from '../../core/metrics/metrics-store';
import type { TokenRegistry } from '../auth';
import { SharedResults } from '../shared-results';

export interface MetricsRouteDeps {
  auth: TokenRegistry;
  metrics: MetricsStore;
  prometheus: Registry;
}

/** How long a computed summary or hourly report answers later requests. */
const REPORT_REUSE_MS = 1_000;

export const summaryQuery = z.object({ period: z.enum(METRICS_PERIODS).default('today') });
export const hourlyQuery = z.object({ hours: z.coerce.number().int().min(1).max(2160).default(24) });
export const cleanupQuery = z.object({ days: z.coerce.number().int().min(1).max(3650).default(30) });

/** `/api/kafka/metrics/*`: the runbook's summary, hourly, cleanup and Prometheus endpoints. */
export function metricsRoutes({ auth, metrics, prometheus }: MetricsRouteDeps): Router {
  const router = Router();
  // A 30-day summary adds up every stored minute: dashboards polling it share one read a second.
  const reports = new SharedResults<unknown>(REPORT_REUSE_MS);
  const fresh = async <T>(read: () => Promise<T>) => {
    await metrics.flush().catch(() => undefined);
    return read();
  };
  router.get('/summary', auth.require('read'), async (req, res) => {
    const { period } = summaryQuery.parse(req.query);
    res.json(await reports.get(`summary:${period}`, () => fresh(() => metrics.summary(period))));
  });
  router.get('/hourly', auth.require('read'), async (req, res) => {
    const { hours } = hourlyQuery.parse(req.query);
    res.json(await reports.get(`hourly:${hours}`, () => fresh(() => metrics.hourly(hours))));
  });
  router.post('/cleanup', auth.require('operate'), async (req, res) => {
    res.json(await metrics.cleanup(cleanupQuery.parse(req.query).days));
  });
  router.get('/prometheus', auth.require('read'), async (_req, res) => {
    res.set('Content-Type', prometheus.contentType).send(await prometheus.metrics());
  });
  return router;
}
