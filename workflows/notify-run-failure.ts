import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { NotificationResult } from '../activities/send-failure-notification';
import type { RunFailureNotice } from '../core/job';

type Activities = ReturnType<typeof createActivities>;

// An SMTP server down for hours still gets the e-mail: retried with backoff for a day, then the
// failure stays visible on this workflow in the Temporal Web UI.
const { sendFailureNotification } = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  scheduleToCloseTimeout: '24h',
  retry: { initialInterval: '10s', backoffCoefficient: 2, maximumInterval: '5m' },
});

/**
 * The failure e-mail of one export run, started by `exportJob` as an abandoned child: the run fails at once
 * and the e-mail is retried and recorded here, on its own.
 */
export async function notifyRunFailure(notice: RunFailureNotice): Promise<NotificationResult> {
  return await sendFailureNotification(notice);
}
