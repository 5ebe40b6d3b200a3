import type { MailMessage } from '../mail/mailer';
import { RULES, type AlertLevel, type Transition } from './alert-rules';

/** RESOLVED when a rule is back to ok; otherwise the new level. */
export function alertLabel(previous: AlertLevel, state: AlertLevel): string {
  return state === 'ok'
    ? 'RESOLVED'
    : state === 'critical'
      ? 'CRITICAL'
      : previous === 'critical'
        ? 'WARNING (improved)'
        : 'WARNING';
}

/** The e-mail of one transition, to the default recipients (SMTP_TO). */
export function alertMail(alert: Transition): MailMessage {
  const def = RULES[alert.rule];
  const label = alertLabel(alert.previous_state, alert.state);
  const unit = def.unit === 'min' ? ' minutes' : def.unit === '%' ? '%' : ' ms';
  return {
    subject: `[PSTT] ${label}: ${def.title}`,
    text: [
      `PSTT alert: ${def.title} (${alert.rule})`,
      `State: ${alert.state} (was ${alert.previous_state})`,
      `At: ${alert.at.toISOString()}`,
      `Value: ${alert.value === null ? 'none' : `${alert.value}${unit}`}`,
      `Threshold: ${alert.threshold}${unit}`,
      '',
      alert.message,
    ].join('\n'),
  };
}
