import { Router } from 'express';
import type { Role, TokenRegistry } from '../auth';
import type { SchedulerService } from '../scheduler-service';

export interface SessionRouteDeps {
  auth: TokenRegistry;
  scheduler: Pick<SchedulerService, 'sourceNames'>;
}

/** What the UI learns at sign-in: the token's role (buttons it may press) and the sources a scheduling may name. */
export interface SessionView {
  role: Role;
  sources: string[];
}

/** `/api/session`: checks a token and describes what it may do. */
export function sessionRoutes({ auth, scheduler }: SessionRouteDeps): Router {
  const router = Router();
  router.get('/', auth.require('read'), (_req, res) => {
    const view: SessionView = { role: res.locals.role as Role, sources: scheduler.sourceNames() };
    res.json(view);
  });
  return router;
}
