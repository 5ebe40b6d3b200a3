import type { AppConfig } from '../config';
import { redactUrl } from '../errors';
import type { RunFailureNotice } from '../job';
import { runLinkOf } from '../temporal/run-link';
import type { MailMessage } from './mailer';

/** The runbook's "Job failure notification" e-mail of one run that failed for good, or the alert of a suspect run. */
export function runFailureMail(notice: RunFailureNotice, temporal: Pick<AppConfig['temporal'], 'web_ui'>): MailMessage {
  const link = runLinkOf({ web_ui: temporal.web_ui, namespace: notice.namespace }, notice.workflow_id, notice.run_id);
  // A driver's message may quote a connection URL: never mail its password.
  const error = redactUrl(notice.error_message);
  if (notice.kind === 'suspect') {
    return {
      to: notice.notify,
      subject: `[PSTT] Suspect run: ${notice.scheduling_name}`,
      text: [
        `The export run of scheduling "${notice.scheduling_name}" (${notice.export_format}) completed, but its counts disagree:`,
        'rows may be missing or doubled at the destination. Check the run and, if needed, run it again.',
        '',
        `Scheduling: ${notice.scheduling_name}`,
        `Mismatch: ${error}`,
        `Attempts: ${notice.attempts ?? 'unknown'}`,
        `Completed at: ${notice.failed_at}`,
        `Workflow id: ${notice.workflow_id}`,
        `Run id: ${notice.run_id}`,
        `Run in the Temporal Web UI: ${link}`,
      ].join('\n'),
    };
  }
  return {
    to: notice.notify,
    subject: `[PSTT] Job failure notification: ${notice.scheduling_name}`,
    text: [
      `The export run of scheduling "${notice.scheduling_name}" (${notice.export_format}) failed for good.`,
      '',
      `Scheduling: ${notice.scheduling_name}`,
      `Error: ${error}`,
      ...(notice.error_type ? [`Error type: ${notice.error_type}`] : []),
      `Attempts: ${notice.attempts ?? 'unknown'}`,
      `Failed at: ${notice.failed_at}`,
      `Workflow id: ${notice.workflow_id}`,
      `Run id: ${notice.run_id}`,
      `Run in the Temporal Web UI: ${link}`,
    ].join('\n'),
  };
}
