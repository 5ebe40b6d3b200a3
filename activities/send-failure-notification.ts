import { NoRecipientError } from '../core/errors';
import type { RunFailureNotice } from '../core/job';
import { logger } from '../core/logger';
import { runFailureMail } from '../core/mail/run-failure-mail';
import type { ActivityDeps } from './deps';

const log = logger.child({ component: 'notify' });

export interface NotificationResult {
  delivered: boolean;
  /** The SMTP server's message id when delivered. */
  message_id: string | null;
  /** Why nothing was sent (e-mail off, nobody to send to). */
  skipped: string | null;
}

/**
 * E-mails a run's failure (or a suspect run's mismatch) to the scheduling's `notify` list (SMTP_TO when empty). A server that refuses or
 * is down rejects, so Temporal retries it; with e-mail off or nobody to tell, retrying cannot help: it
 * completes with a warning in the log.
 */
export function makeSendFailureNotification(deps: Pick<ActivityDeps, 'mailer' | 'config'>) {
  return async function sendFailureNotification(notice: RunFailureNotice): Promise<NotificationResult> {
    const context = { scheduling: notice.scheduling_name, workflowId: notice.workflow_id };
    const what = notice.kind === 'suspect' ? 'run is suspect' : 'run failed';
    if (!deps.mailer) {
      log.warn(context, `${what}, but e-mail is off (SMTP_HOST is not set): no notification sent`);
      return { delivered: false, message_id: null, skipped: 'e-mail is off: SMTP_HOST is not set' };
    }
    try {
      const messageId = await deps.mailer.send(runFailureMail(notice, deps.config.temporal));
      log.info(context, `${what}: notification sent`);
      return { delivered: true, message_id: messageId, skipped: null };
    } catch (err) {
      if (!(err instanceof NoRecipientError)) throw err;
      log.warn(context, `${what}, but ${err.message}`);
      return { delivered: false, message_id: null, skipped: err.message };
    }
  };
}
