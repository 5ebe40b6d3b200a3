import { logger } from '../logger';
import type { MailMessage } from '../mail/mailer';
import type { AlertConfig } from '../config';
import { alertMail } from './alert-mail';
import { evaluateRules, type AlertInputs, type AlertLevel, type AlertRule } from './alert-rules';
import type { AlertStore, NewAlert } from './alert-store';

const log = logger.child({ component: 'alert' });

/** What sends the e-mails (the worker's Mailer). */
export interface AlertMailer {
  send(message: MailMessage): Promise<string>;
}

export interface AlertMonitorOptions {
  /** Most undelivered e-mails one evaluation tries to send. @default 20 */
  maxDeliveries?: number;
}

/** What one evaluation did, as the `alertEvaluation` workflow returns it. */
export interface EvaluationReport {
  evaluated_at: string;
  rules: Array<{ rule: AlertRule; state: AlertLevel; value: number | null; message: string }>;
  /** Transitions this evaluation logged. */
  transitions: number;
  /** E-mails sent by this evaluation (new transitions and earlier undelivered ones). */
  delivered: number;
  /** Transitions still waiting for their e-mail. */
  undelivered: number;
}

export const MAIL_OFF = 'e-mail is off: SMTP_HOST is not set';

/** Mail errors can be long server transcripts: keep the first line, bounded. */
function deliveryError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return (message.split('\n')[0] ?? message).slice(0, 500);
}

/**
 * Evaluates the threshold rules against stored state, logs each change of level once, and e-mails the
 * transitions: one e-mail per change, never one per evaluation. An e-mail that cannot go out stays in the
 * log as undelivered and is retried by every later evaluation until it does.
 */
export class AlertMonitor {
  private readonly maxDeliveries: number;

  constructor(
    private readonly store: AlertStore,
    private readonly mailer: AlertMailer | null,
    private readonly config: AlertConfig,
    options: AlertMonitorOptions = {},
  ) {
    this.maxDeliveries = options.maxDeliveries ?? 20;
  }

  async evaluate(inputs: AlertInputs): Promise<EvaluationReport> {
    const previous = new Map((await this.store.states()).map((s) => [s.rule, s]));
    let transitions = 0;
    for (const { state, transition } of evaluateRules(inputs, previous, this.config)) {
      const alert: NewAlert | null = transition && { ...transition, delivery_error: this.mailer ? null : MAIL_OFF };
      const saved = await this.store.save(state, previous.get(state.rule) ?? null, alert);
      if (saved && transition) {
        transitions++;
        log.warn(
          { rule: transition.rule, from: transition.previous_state, to: transition.state, value: transition.value },
          transition.message,
        );
      }
    }
    const delivery = await this.deliverPending();
    const states = await this.store.states();
    return {
      evaluated_at: inputs.now.toISOString(),
      rules: states.map((s) => ({ rule: s.rule, state: s.state, value: s.value, message: s.message })),
      transitions,
      ...delivery,
    };
  }

  /**
   * Sends the undelivered e-mails, oldest first. The first failure ends the round (the server is most likely
   * down, and each attempt may wait for its timeout); the next evaluation tries again.
   */
  async deliverPending(): Promise<{ delivered: number; undelivered: number }> {
    const pending = await this.store.undelivered(this.maxDeliveries);
    if (pending.length > 0 && !this.mailer) {
      log.warn({ undelivered: pending.length }, `${MAIL_OFF}: alerts are logged, not e-mailed`);
      return { delivered: 0, undelivered: pending.length };
    }
    let delivered = 0;
    for (const alert of pending) {
      try {
        await this.mailer?.send(alertMail(alert));
      } catch (err) {
        const error = deliveryError(err);
        await this.store.recordDelivery(alert.id, { delivered: false, error });
        log.warn({ alert: alert.id, rule: alert.rule, error }, 'e-mail not delivered; retried at the next evaluation');
        break;
      }
      await this.store.recordDelivery(alert.id, { delivered: true, at: new Date() });
      delivered++;
    }
    return { delivered, undelivered: (await this.store.undelivered(this.maxDeliveries)).length };
  }
}
