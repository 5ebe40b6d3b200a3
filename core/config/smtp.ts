import { z } from 'zod';

/**
 * SMTP settings from the runbook's variables (SMTP_HOST, SMTP_PORT, SMTP_USERNAME, SMTP_PASSWORD,
 * SMTP_FROM, SMTP_TO). Port 587 uses STARTTLS, 465 implicit TLS. Read only when SMTP_HOST is set:
 * without it e-mail is off.
 */
export const smtpEnvSchema = z.object({
  SMTP_HOST: z.string().min(1, 'expected the SMTP server host name'),
  SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(587),
  SMTP_USERNAME: z.string().optional(),
  SMTP_PASSWORD: z.string().optional(),
  SMTP_FROM: z.email('expected an e-mail address'),
  /** Comma-separated default recipients. */
  SMTP_TO: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((a) => a.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.email('expected comma-separated e-mail addresses'))),
});

export interface SmtpConfig {
  host: string;
  port: number;
  /** Implicit TLS (port 465); otherwise STARTTLS is required when the server offers it. */
  secure: boolean;
  auth?: { user: string; pass: string };
  from: string;
  to: string[];
}

/** The compiled SMTP settings of the parsed variables. */
export function compileSmtp(e: z.output<typeof smtpEnvSchema>): SmtpConfig {
  return {
    host: e.SMTP_HOST,
    port: e.SMTP_PORT,
    secure: e.SMTP_PORT === 465,
    auth: e.SMTP_USERNAME ? { user: e.SMTP_USERNAME, pass: e.SMTP_PASSWORD ?? '' } : undefined,
    from: e.SMTP_FROM,
    to: e.SMTP_TO,
  };
}
