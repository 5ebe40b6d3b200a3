import { Router } from 'express';
import { z } from 'zod';
import { exportFormatSchema, schedulingNameSchema } from '../../core/field-schemas';
import { PREVIEW_ROWS_DEFAULT, PREVIEW_ROWS_MAX } from '../../core/preview/scheduling-preview';
import type { SchedulingPreviewer } from '../../core/preview/previewer';
import type { TokenRegistry } from '../auth';
import { HttpError } from '../http-errors';
import { RUN_STATUSES } from '../contract';
import type { SchedulerDeps } from '../scheduler';

export interface SchedulerRouteDeps extends SchedulerDeps {
  auth: TokenRegistry;
  /** Previews of schedulings; without it the preview route answers 503 (apps built for one concern in tests). */
  preview?: SchedulingPreviewer;
}

/** An ISO 8601 date or date-time with its offset, as a Date. */
const isoInstant = z.union([z.iso.datetime({ offset: true }), z.iso.date()]).transform((text) => new Date(text));

export const historyQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  scheduling: z.string().min(1).optional(),
  status: z.enum(RUN_STATUSES).optional(),
  // An ISO 8601 date or date-time, as the OpenAPI document states it (format date / date-time).
  since: isoInstant.optional(),
  export_format: exportFormatSchema.optional(),
});
export const noteBody = z.object({ note: z.string().max(500).optional() }).default({});
/** A past window to run a scheduling for; the longest window is checked against the config by `backfillWindowOf`. */
export const backfillBody = z.object({ from: isoInstant, to: isoInstant });

const DAY_MS = 86_400_000;

/** A backfill body parsed: `from` before `to`, `to` not in the future, at most `maxDays` long (400 naming the field otherwise). */
export function backfillWindowOf(body: unknown, maxDays: number, now = new Date()): { from: Date; to: Date } {
  return backfillBody
    .superRefine(({ from, to }, ctx) => {
      if (from.getTime() >= to.getTime()) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
      else if (to.getTime() - from.getTime() > maxDays * DAY_MS) {
        ctx.addIssue({
          code: 'custom',
          path: ['to'],
          message: `the window must be at most ${maxDays} days (api.max_backfill_days)`,
        });
      }
      if (to.getTime() > now.getTime())
        ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be in the future' });
    })
    .parse(body);
}
/** How many rows a preview reads. */
export const previewQuery = z.object({
  limit: z.coerce.number().int().min(1).max(PREVIEW_ROWS_MAX).default(PREVIEW_ROWS_DEFAULT),
});
export const nameParam = z.object({
  name: schedulingNameSchema,
});

/** `/api/scheduler/*`: schedulings (Temporal Schedules) and runs (Temporal visibility). */
export function schedulerRoutes({ auth, schedules, runs, preview }: SchedulerRouteDeps): Router {
  const router = Router();
  const name = (params: unknown) => nameParam.parse(params).name;

  router.get('/scheduling', auth.require('read'), async (_req, res) => {
    res.json(await schedules.list());
  });
  // Read-only and bounded (row limit, statement timeout): safe before a scheduling is saved.
  router.post('/scheduling/preview', auth.require('admin'), async (req, res) => {
    const { limit } = previewQuery.parse(req.query);
    if (!preview) throw new HttpError(503, 'unavailable', 'preview is not set up in this process');
    res.json(await preview.preview(req.body, limit));
  });
  router.get('/scheduling/:name', auth.require('read'), async (req, res) => {
    res.json(await schedules.get(name(req.params)));
  });
  router.post('/scheduling', auth.require('admin'), async (req, res) => {
    res.status(201).json(await schedules.create(req.body));
  });
  router.put('/scheduling/:name', auth.require('admin'), async (req, res) => {
    res.json(await schedules.replace(name(req.params), req.body));
  });
  router.delete('/scheduling/:name', auth.require('admin'), async (req, res) => {
    await schedules.remove(name(req.params));
    res.status(204).end();
  });
  router.post('/scheduling/:name/enable', auth.require('operate'), async (req, res) => {
    res.json(await schedules.setEnabled(name(req.params), true, noteBody.parse(req.body ?? {}).note));
  });
  router.post('/scheduling/:name/disable', auth.require('operate'), async (req, res) => {
    res.json(await schedules.setEnabled(name(req.params), false, noteBody.parse(req.body ?? {}).note));
  });
  router.post('/scheduling/:name/run', auth.require('operate'), async (req, res) => {
    res.status(202).json(await schedules.runNow(name(req.params)));
  });
  router.post('/scheduling/:name/backfill', auth.require('operate'), async (req, res) => {
    res
      .status(202)
      .json(await schedules.backfill(name(req.params), backfillWindowOf(req.body, schedules.maxBackfillDays)));
  });
  router.get('/history', auth.require('read'), async (req, res) => {
    res.json(await runs.history(historyQuery.parse(req.query)));
  });
  router.get('/running', auth.require('read'), async (_req, res) => {
    res.json(await runs.running());
  });
  return router;
}
