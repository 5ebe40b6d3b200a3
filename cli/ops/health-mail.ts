import type { MailMessage } from '../../core/mail/mailer';
import type { HealthReport } from './health-check';

/** The e-mail of a health check that found problems, with the runbook's subject; to SMTP_TO. */
export function healthReportMail(report: HealthReport): MailMessage {
  return {
    subject: 'PSTT Tool - Kafka Health Check: Issues Found',
    text: [`Health check of ${report.api_url} at ${report.checked_at}: ${report.status}`, '', ...report.lines].join(
      '\n',
    ),
  };
}
