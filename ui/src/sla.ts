import type { SessionView } from './types';

/**
 * The runbook's SLA table ("SLA e Obiettivi") as colours: target met, below target, warning, critical.
 * The thresholds come from the API (`/api/session`'s `sla`: the alert variables and the runbook's
 * targets), so the dashboard judges as the alerts and `pstt check` do. Pure, for the unit tests.
 */
export type SlaLevel = 'ok' | 'below-target' | 'warning' | 'critical';

export type SlaThresholds = SessionView['sla'];

/** Success rate in percent: at or above target ok, below warning / critical. */
export function successRateLevel(rate: number, t: SlaThresholds['success_rate']): SlaLevel {
  if (rate < t.critical) return 'critical';
  if (rate < t.warning) return 'warning';
  if (rate < t.target) return 'below-target';
  return 'ok';
}

/** p99 latency in ms: below target ok, above warning / critical. */
export function p99Level(ms: number, t: SlaThresholds['p99_latency_ms']): SlaLevel {
  if (ms > t.critical) return 'critical';
  if (ms > t.warning) return 'warning';
  if (ms >= t.target) return 'below-target';
  return 'ok';
}

export type KafkaStatus = 'healthy' | 'degraded' | 'unhealthy';

/** The dashboard badge of `/api/kafka/health` (the runbook reads "Kafka: 🟢 Connected"). */
export function kafkaBadge(status: KafkaStatus | 'unknown'): { text: string; level: SlaLevel } {
  switch (status) {
    case 'healthy':
      return { text: '🟢 Connected', level: 'ok' };
    case 'degraded':
      return { text: '🟡 Degraded', level: 'warning' };
    case 'unhealthy':
      return { text: '🔴 Disconnected', level: 'critical' };
    default:
      return { text: '⚪ Unknown', level: 'below-target' };
  }
}
