/**
 * The runbook's SLA table ("SLA e Obiettivi") as colours: target met, below target, warning, critical.
 * Pure, so the dashboard and the unit tests read the same thresholds.
 */
export type SlaLevel = 'ok' | 'below-target' | 'warning' | 'critical';

export const SUCCESS_RATE = { target: 99, warning: 98, critical: 95 } as const;
export const P99_LATENCY_MS = { target: 500, warning: 1000, critical: 5000 } as const;

/** Success rate in percent: ≥ 99 ok, < 98 warning, < 95 critical. */
export function successRateLevel(rate: number): SlaLevel {
  if (rate < SUCCESS_RATE.critical) return 'critical';
  if (rate < SUCCESS_RATE.warning) return 'warning';
  if (rate < SUCCESS_RATE.target) return 'below-target';
  return 'ok';
}

/** p99 latency in ms: < 500 ok, > 1000 warning, > 5000 critical. */
export function p99Level(ms: number): SlaLevel {
  if (ms > P99_LATENCY_MS.critical) return 'critical';
  if (ms > P99_LATENCY_MS.warning) return 'warning';
  if (ms >= P99_LATENCY_MS.target) return 'below-target';
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
