import { z } from 'zod';
import { ConfigError } from '../errors';
import { formatIssues } from '../config';

/**
 * SMTP settings from the runbook's variables (SMTP_HOST, SMTP_PORT, SMTP_USERNAME, SMTP_PASSWORD,
 * SMTP_FROM, SMTP_TO), validated once. Port 587 uses STARTTLS, 465 implicit TLS.
 */
const smtpEnvSchema = z.object({
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

/** The SMTP config, or null when SMTP_HOST is not set (e-mail switched off). */
export function smtpConfigFromEnv(env: NodeJS.ProcessEnv = process.env): SmtpConfig | null {
  if (!env.SMTP_HOST) return null;
  const result = smtpEnvSchema.safeParse(env, { reportInput: true });
  if (!result.success) {
    // Never echo SMTP_PASSWORD: formatIssues hides values of keys named like secrets.
    throw new ConfigError('invalid SMTP settings', formatIssues(result.error));
  }
  const e = result.data;
  return {
    host: e.SMTP_HOST,
    port: e.SMTP_PORT,
    secure: e.SMTP_PORT === 465,
    auth: e.SMTP_USERNAME ? { user: e.SMTP_USERNAME, pass: e.SMTP_PASSWORD ?? '' } : undefined,
    from: e.SMTP_FROM,
    to: e.SMTP_TO,
  };
}
