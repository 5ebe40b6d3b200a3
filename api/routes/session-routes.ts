import { Router } from 'express';
import type { SlaThresholds } from '../../core/config';
import type { TokenRegistry } from '../auth';
import type { Role, SessionView } from '../contract';
import type { ScheduleStore } from '../schedule-store';

export interface SessionRouteDeps {
  auth: TokenRegistry;
  schedules: Pick<ScheduleStore, 'sourceNames'>;
  /** The dashboard's SLA colours, from the alert variables (runtime config `sla`). */
  sla: SlaThresholds;
}

/** The SLA thresholds as the UI reads them (snake_case, as every answer of the API). */
export function slaViewOf(sla: SlaThresholds): SessionView['sla'] {
  return { success_rate: { ...sla.successRate }, p99_latency_ms: { ...sla.latencyP99Ms } };
}

/** `/api/session`: checks a token and describes what it may do. */
export function sessionRoutes({ auth, schedules, sla }: SessionRouteDeps): Router {
  const router = Router();
  const slaView = slaViewOf(sla);
  router.get('/', auth.require('read'), (_req, res) => {
    const view: SessionView = { role: res.locals.role as Role, sources: schedules.sourceNames(), sla: slaView };
    res.json(view);
  });
  return router;
}
