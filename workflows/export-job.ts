import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { ExportJobInput, ExportResult } from '../core/job';

type Activities = ReturnType<typeof createActivities>;

/**
 * One run of a scheduling: streams the query's rows to their destination inside an activity
 * that heartbeats its progress. Only the spec and counts pass through workflow history.
 */
export async function exportJob(input: ExportJobInput): Promise<ExportResult> {
  const { scheduling } = input;
  // Per-scheduling timeout, so the proxy is built per run rather than at module level.
  const { exportToKafka } = proxyActivities<Activities>({
    startToCloseTimeout: `${scheduling.timeout}s`,
    heartbeatTimeout: '60s',
    retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '5m', maximumAttempts: 5 },
  });
  if (scheduling.export_format !== 'kafka') {
    throw ApplicationFailure.create({
      type: 'UnsupportedExportFormat',
      nonRetryable: true,
      message: `export_format "${scheduling.export_format}" is not supported by this version`,
    });
  }
  return await exportToKafka(scheduling);
}
