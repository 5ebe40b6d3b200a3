import { randomBytes } from 'node:crypto';
import { ConfigError, formatProblem } from '../../core/errors';
import { Mailer } from '../../core/mail/mailer';
import { createSmtpServer, type TestSmtpServer } from '../support/smtp';
import { envSectionsOf } from '../support/runtime-config';

/** The SMTP section of the runtime config that `env` alone gives. */
const smtpConfigOf = (env: NodeJS.ProcessEnv) => envSectionsOf(env).smtp;

// Credentials made per run: the local test server accepts exactly these.
const USERNAME = 'pstt-alerts';
const PASSWORD = randomBytes(9).toString('base64url');

describe('e-mail through a real SMTP server on loopback', () => {
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    smtp = await createSmtpServer({ login: { username: USERNAME, password: PASSWORD } });
  });

  afterAll(async () => {
    await smtp.stop();
  });

  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv =>
    smtp.env({ SMTP_TO: 'ops-team@example.com, kafka-team@example.com', ...extra });

  it('delivers a message, authenticated, to the SMTP_TO recipients', async () => {
    const mailer = new Mailer(smtpConfigOf(env())!);
    try {
      await mailer.send({ subject: 'PSTT: job failed', text: 'scheduling demo-orders failed' });
    } finally {
      mailer.close();
    }
    const mail = smtp.received.at(-1)!;
    expect(mail.subject).toBe('PSTT: job failed');
    expect(mail.text?.trim()).toBe('scheduling demo-orders failed');
    expect(mail.from?.text).toBe('pstt-tool@example.com');
    expect(mail.to).toMatchObject({ text: 'ops-team@example.com, kafka-team@example.com' });
    expect(smtp.logins).toContain(USERNAME);
  });

  it('sends to the given recipients instead when there are some', async () => {
    const mailer = new Mailer(smtpConfigOf(env())!);
    try {
      await mailer.send({ to: ['owner@example.com'], subject: 'to the owner', text: 'x' });
    } finally {
      mailer.close();
    }
    expect(smtp.received.at(-1)?.to).toMatchObject({ text: 'owner@example.com' });
  });

  it('rejects when the server refuses the credentials or is not there', async () => {
    const wrong = new Mailer(smtpConfigOf(env({ SMTP_PASSWORD: `${PASSWORD}-wrong` }))!);
    await expect(wrong.send({ subject: 's', text: 't' })).rejects.toThrow(/Invalid login|invalid credentials/i);
    wrong.close();
    const down = new Mailer(smtpConfigOf(env({ SMTP_PORT: '1' }))!);
    await expect(down.send({ subject: 's', text: 't' })).rejects.toThrow(/ECONNREFUSED/);
    down.close();
  });

  it('is off without SMTP_HOST, and names bad settings without showing the password', () => {
    expect(smtpConfigOf({})).toBeNull();
    let error: unknown;
    try {
      smtpConfigOf(env({ SMTP_FROM: 'not-an-address', SMTP_PORT: 'x' }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map(formatProblem)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^SMTP_FROM: expected an e-mail address, got "not-an-address"$/),
        expect.stringMatching(/^SMTP_PORT: /),
      ]),
    );
    expect((error as Error).message).not.toContain(PASSWORD);
  });
});
