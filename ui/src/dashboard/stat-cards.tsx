import { useSession } from '../components/shell';
import { formatCount, formatDecimal, formatMs } from '../format';
import { p99Level, successRateLevel, type SlaLevel } from '../sla';
import type { MetricsSummary } from '../types';

const LEVEL_TEXT: Record<SlaLevel, string> = {
  ok: 'within SLA',
  'below-target': 'below target',
  warning: 'warning',
  critical: 'critical',
};

function Stat({ label, value, level, id }: { label: string; value: string; level?: SlaLevel; id: string }) {
  return (
    <div class={`card stat ${level ? `level-${level}` : ''}`} data-testid={id} data-level={level}>
      <p class="stat-label">{label}</p>
      <p class="stat-value">{value}</p>
      {level && <p class="stat-level">{LEVEL_TEXT[level]}</p>}
    </div>
  );
}

/** Today's figures with the runbook's SLA colours, by the thresholds the API configured. */
export function StatCards({ summary }: { summary: MetricsSummary | undefined }) {
  const { sla } = useSession();
  return (
    <section class="stats" aria-label="Today">
      <Stat id="stat-messages" label="Messages today" value={formatCount(summary?.total_messages)} />
      <Stat
        id="stat-success-rate"
        label="Success rate"
        value={summary ? `${formatDecimal(summary.success_rate)} %` : '–'}
        level={summary ? successRateLevel(summary.success_rate, sla.success_rate) : undefined}
      />
      <Stat id="stat-avg-latency" label="Average latency" value={formatMs(summary?.avg_latency_ms)} />
      <Stat
        id="stat-p99-latency"
        label="p99 latency"
        value={formatMs(summary?.p99_latency_ms)}
        level={summary ? p99Level(summary.p99_latency_ms, sla.p99_latency_ms) : undefined}
      />
    </section>
  );
}
