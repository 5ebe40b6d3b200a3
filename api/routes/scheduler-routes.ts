import { Router } from 'express';
import { z } from 'zod';
import type { TokenRegistry } from '../auth';
import type { SchedulerService } from '../scheduler-service';

export interface SchedulerRouteDeps {
  auth: TokenRegistry;
  scheduler: SchedulerService;
}

export const historyQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  scheduling: z.string().min(1).optional(),
  status: z.enum(['success', 'error', 'running', 'cancelled', 'timeout']).optional(),
  // An ISO 8601 date or date-time, as the OpenAPI document states it (format date / date-time).
  since: z
    .union([z.iso.datetime({ offset: true }), z.iso.date()])
    .transform((text) => new Date(text))
    .optional(),
  export_format: z.enum(['kafka', 'csv', 'excel']).optional(),
});
export const noteBody = z.object({ note: z.string().max(500).optional() }).default({});
export const nameParam = z.object({ name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'expected a scheduling name') });

/** `/api/scheduler/*`: schedulings (Temporal Schedules) and runs (Temporal visibility). */
export function schedulerRoutes({ auth, scheduler }: SchedulerRouteDeps): Router {
  const router = Router();
  const name = (params: unknown) => nameParam.parse(params).name;

  router.get('/scheduling', auth.require('read'), async (_req, res) => {
    res.json(await scheduler.list());
  });
  router.get('/scheduling/:name', auth.require('read'), async (req, res) => {
    res.json(await scheduler.get(name(req.params)));
  });
  router.post('/scheduling', auth.require('admin'), async (req, res) => {
    res.status(201).json(await scheduler.create(req.body));
  });
  router.put('/scheduling/:name', auth.require('admin'), async (req, res) => {
    res.json(await scheduler.replace(name(req.params), req.body));
  });
  router.delete('/scheduling/:name', auth.require('admin'), async (req, res) => {
    await scheduler.remove(name(req.params));
    res.status(204).end();
  });
  router.post('/scheduling/:name/enable', auth.require('operate'), async (req, res) => {
    res.json(await scheduler.setEnabled(name(req.params), true, noteBody.parse(req.body ?? {}).note));
  });
  router.post('/scheduling/:name/disable', auth.require('operate'), async (req, res) => {
    res.json(await scheduler.setEnabled(name(req.params), false, noteBody.parse(req.body ?? {}).note));
  });
  router.post('/scheduling/:name/run', auth.require('operate'), async (req, res) => {
    res.status(202).json(await scheduler.runNow(name(req.params)));
  });
  router.get('/history', auth.require('read'), async (req, res) => {
    res.json(await scheduler.history(historyQuery.parse(req.query)));
  });
  router.get('/running', auth.require('read'), async (_req, res) => {
    res.json(await scheduler.running());
  });
  return router;
}
