import nodemailer, { type Transporter } from 'nodemailer';
import { NoRecipientError } from '../errors';
import type { SmtpConfig } from '../config';

export interface MailMessage {
  /** Recipients; the configured SMTP_TO when empty. */
  to?: string[];
  subject: string;
  text: string;
}

export interface MailerOptions {
  /** Connection, greeting and socket timeouts (nodemailer's defaults are minutes). @default 10000 */
  timeoutMs?: number;
  /** Only for tests against a local server with a self-signed certificate. @default false */
  allowSelfSigned?: boolean;
}

/** Sends e-mail through one pooled SMTP transport, with short timeouts and no transcript logging. */
export class Mailer {
  private readonly transport: Transporter;

  constructor(
    private readonly config: SmtpConfig,
    options: MailerOptions = {},
  ) {
    const timeout = options.timeoutMs ?? 10_000;
    this.transport = nodemailer.createTransport({
      host: config.host,
      port: config.port,
      secure: config.secure,
      requireTLS: config.port === 587,
      auth: config.auth,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      // debug/logger would write the SMTP transcript, credentials included.
      debug: false,
      logger: false,
      tls: options.allowSelfSigned ? { rejectUnauthorized: false } : undefined,
    });
  }

  /**
   * Sends one message; resolves with the server's message id, rejects when the server refuses or is down,
   * and with `NoRecipientError` when there is nobody to send to.
   */
  async send(message: MailMessage): Promise<string> {
    const to = message.to?.length ? message.to : this.config.to;
    if (to.length === 0) throw new NoRecipientError();
    const info = (await this.transport.sendMail({
      from: this.config.from,
      to,
      subject: message.subject,
      text: message.text,
    })) as {
      messageId: string;
    };
    return info.messageId;
  }

  close(): void {
    this.transport.close();
  }
}
