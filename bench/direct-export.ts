import { MockActivityEnvironment } from '@temporalio/testing';
import type { Client } from '@temporalio/client';
import { makeExportToKafka } from '../activities/export-to-kafka';
import { loadRuntimeConfig, type AppConfig } from '../core/config';
import type { ExportResult } from '../core/job';
import { isKafkaScheduling, type Scheduling } from '../core/scheduling';
import { buildWorkerDeps } from '../worker/worker-deps';

/**
 * PSTT's export without Temporal: the activity deps as the worker builds them, and `makeExportToKafka`
 * run inside `MockActivityEnvironment`. The only coupling to activities/export-to-kafka.ts is the one
 * call below. Bench-only: the export checkpoints through `deps.temporal.activity.heartbeat(...)`; here
 * a stand-in client answers those at once (no server round trip) and counts them.
 */
export async function runDirectExport(
  config: AppConfig,
  scheduling: Scheduling,
): Promise<{ result: ExportResult; heartbeats: number }> {
  if (!isKafkaScheduling(scheduling)) throw new Error(`bench: ${scheduling.name} is not a Kafka scheduling`);
  // The environment's sections and secrets around the bench's own app section.
  const deps = await buildWorkerDeps({ ...loadRuntimeConfig(), app: config });
  let heartbeats = 0;
  const standIn = { activity: { heartbeat: () => ((heartbeats += 1), Promise.resolve()) } } as unknown as Client;
  try {
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 3_600_000 });
    const input = { scheduling, scheduledTime: new Date().toISOString(), lastSuccessTime: null };
    const result: ExportResult = await env.run(makeExportToKafka({ ...deps, temporal: standIn }), input);
    return { result, heartbeats };
  } finally {
    await deps.close();
  }
}
