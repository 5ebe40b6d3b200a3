import { Router } from 'express';
import { z } from 'zod';
import { ALERT_LEVELS, ALERT_RULES, RULES, type AlertLevel, type RuleState } from '../../core/alerts/alert-rules';
import type { AlertLogEntry, AlertStore } from '../../core/alerts/alert-store';
import type { TokenRegistry } from '../auth';

export interface AlertRouteDeps {
  auth: TokenRegistry;
  /** The alerts' state and log, written by the worker's evaluations. */
  alerts: AlertStore;
}

export const alertsQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) });

/** A rule not evaluated yet (no evaluation since the schedule was created) is `unknown`. */
type RuleLevel = AlertLevel | 'unknown';

function ruleView(rule: (typeof ALERT_RULES)[number], s: RuleState | undefined) {
  const def = RULES[rule];
  return {
    rule,
    title: def.title,
    state: s?.state ?? ('unknown' as RuleLevel),
    since: s?.since.toISOString() ?? null,
    value: s?.value ?? null,
    unit: def.unit,
    warning_threshold: s?.warning_threshold ?? null,
    critical_threshold: s?.critical_threshold ?? null,
    message: s?.message ?? null,
    evaluated_at: s?.evaluated_at.toISOString() ?? null,
  };
}

function alertView(a: AlertLogEntry) {
  return {
    id: a.id,
    rule: a.rule,
    previous_state: a.previous_state,
    state: a.state,
    value: a.value,
    threshold: a.threshold,
    message: a.message,
    at: a.at.toISOString(),
    delivered: a.delivered,
    delivery_attempts: a.delivery_attempts,
    last_delivery_error: a.last_delivery_error,
    delivered_at: a.delivered_at?.toISOString() ?? null,
  };
}

/**
 * `GET /api/alerts`: the current state of each threshold rule (the worst as `status`) and the latest
 * transitions with their e-mail delivery, newest first (`?limit=`, default 50).
 */
export function alertsRoutes({ auth, alerts }: AlertRouteDeps): Router {
  const router = Router();
  router.get('/', auth.require('read'), async (req, res) => {
    const { limit } = alertsQuery.parse(req.query);
    const [states, recent] = await Promise.all([alerts.states(), alerts.recent(limit)]);
    const byRule = new Map(states.map((s) => [s.rule, s]));
    const rules = ALERT_RULES.map((rule) => ruleView(rule, byRule.get(rule)));
    const worst = Math.max(...rules.map((r) => ALERT_LEVELS.indexOf(r.state as AlertLevel)));
    const evaluated = states.map((s) => s.evaluated_at.getTime());
    res.json({
      status: worst >= 0 ? ALERT_LEVELS[worst] : 'unknown',
      evaluated_at: evaluated.length ? new Date(Math.max(...evaluated)).toISOString() : null,
      rules,
      alerts: recent.map(alertView),
    });
  });
  return router;
}
