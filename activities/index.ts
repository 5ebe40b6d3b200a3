import type { ActivityDeps } from './deps';
import { makeExportToFile } from './export-to-file';
import { makeCleanupMetrics } from './cleanup-metrics';
import { makeEvaluateAlerts } from './evaluate-alerts';
import { makeExportToKafka } from './export-to-kafka';
import { makeExportToSinks } from './export-to-sinks';
import { makeLastSuccessfulRun } from './last-successful-run';
import { makeLastWatermark } from './last-watermark';
import { failPermanentErrors } from './non-retryable';
import { admitRun, gateRun, RUNS_ON_ANY, RUNS_ON_FILE, RUNS_ON_KAFKA } from './run-gate';
import { makeSendFailureNotification } from './send-failure-notification';

export type { ActivityDeps } from './deps';

/** The activities registered on the worker, bound to the worker's clients. */
export function createActivities(deps: ActivityDeps) {
  return {
    exportToKafka: failPermanentErrors(gateRun(deps, RUNS_ON_KAFKA, makeExportToKafka(deps))),
    exportToFile: failPermanentErrors(gateRun(deps, RUNS_ON_FILE, makeExportToFile(deps))),
    exportToSinks: failPermanentErrors(gateRun(deps, RUNS_ON_ANY, makeExportToSinks(deps))),
    admitRun: failPermanentErrors(admitRun(deps)),
    lastSuccessfulRun: makeLastSuccessfulRun(deps.temporal),
    lastWatermark: makeLastWatermark(deps.temporal),
    cleanupMetrics: makeCleanupMetrics(deps),
    sendFailureNotification: makeSendFailureNotification(deps),
    evaluateAlerts: makeEvaluateAlerts(deps),
  };
}
