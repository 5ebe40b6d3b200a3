import { Router } from 'express';
import type { TokenRegistry } from '../auth';
import type { Role, SessionView } from '../contract';
import type { ScheduleStore } from '../schedule-store';

export interface SessionRouteDeps {
  auth: TokenRegistry;
  schedules: Pick<ScheduleStore, 'sourceNames'>;
}

/** `/api/session`: checks a token and describes what it may do. */
export function sessionRoutes({ auth, schedules }: SessionRouteDeps): Router {
  const router = Router();
  router.get('/', auth.require('read'), (_req, res) => {
    const view: SessionView = { role: res.locals.role as Role, sources: schedules.sourceNames() };
    res.json(view);
  });
  return router;
}
