import { kafkaBadge } from '../sla';
import type { KafkaHealthReport } from '../types';
import { formatTime } from '../format';

/** "Kafka: 🟢 Connected" with the last error, as the runbook reads it. */
export function KafkaBadge({ health, unreachable }: { health: KafkaHealthReport | undefined; unreachable: boolean }) {
  const badge = kafkaBadge(unreachable ? 'unknown' : (health?.status ?? 'unknown'));
  return (
    <section class={`card kafka level-${badge.level}`} aria-labelledby="kafka-title">
      <h2 id="kafka-title">Connection</h2>
      <p
        class="badge"
        role="status"
        aria-live="polite"
        data-testid="kafka-badge"
        data-status={health?.status ?? 'unknown'}
      >
        Kafka: {badge.text}
      </p>
      {unreachable && <p class="field-error">The PSTT API does not answer.</p>}
      {health && (
        <dl class="facts">
          <dt>Brokers</dt>
          <dd>{health.brokers}</dd>
          <dt>Producer</dt>
          <dd>{health.producer_ready ? 'ready' : 'not ready'}</dd>
          <dt>Checked</dt>
          <dd>{formatTime(health.checked_at)}</dd>
          {health.last_error && (
            <>
              <dt>Last error</dt>
              <dd class="error-text" data-testid="kafka-last-error">
                {health.last_error}
              </dd>
            </>
          )}
        </dl>
      )}
    </section>
  );
}
