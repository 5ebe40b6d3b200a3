import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { ConfigError } from '../../core/errors';
import { Mailer } from '../../core/mail/mailer';
import { smtpConfigFromEnv } from '../../core/mail/smtp-config';

// Credentials made per run: the local test server accepts exactly these.
const USERNAME = 'pstt-alerts';
const PASSWORD = randomBytes(9).toString('base64url');

describe('e-mail through a real SMTP server on loopback', () => {
  const received: ParsedMail[] = [];
  const logins: string[] = [];
  let server: SMTPServer;
  let port: number;

  beforeAll(async () => {
    server = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      onAuth(auth, _session, callback) {
        logins.push(auth.username ?? '');
        if (auth.username === USERNAME && auth.password === PASSWORD) callback(null, { user: auth.username });
        else callback(new Error('invalid credentials'));
      },
      onData(stream, _session, callback) {
        simpleParser(stream)
          .then((mail) => {
            received.push(mail);
            callback();
          })
          .catch(callback);
      },
      logger: false,
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(port),
    SMTP_USERNAME: USERNAME,
    SMTP_PASSWORD: PASSWORD,
    SMTP_FROM: 'pstt-tool@example.com',
    SMTP_TO: 'ops-team@example.com, kafka-team@example.com',
    ...extra,
  });

  it('delivers a message, authenticated, to the SMTP_TO recipients', async () => {
    const mailer = new Mailer(smtpConfigFromEnv(env())!);
    try {
      await mailer.send({ subject: 'PSTT: job failed', text: 'scheduling demo-orders failed' });
    } finally {
      mailer.close();
    }
    const mail = received.at(-1)!;
    expect(mail.subject).toBe('PSTT: job failed');
    expect(mail.text?.trim()).toBe('scheduling demo-orders failed');
    expect(mail.from?.text).toBe('pstt-tool@example.com');
    expect(mail.to).toMatchObject({ text: 'ops-team@example.com, kafka-team@example.com' });
    expect(logins).toContain(USERNAME);
  });

  it('sends to the given recipients instead when there are some', async () => {
    const mailer = new Mailer(smtpConfigFromEnv(env())!);
    try {
      await mailer.send({ to: ['owner@example.com'], subject: 'to the owner', text: 'x' });
    } finally {
      mailer.close();
    }
    expect(received.at(-1)?.to).toMatchObject({ text: 'owner@example.com' });
  });

  it('rejects when the server refuses the credentials or is not there', async () => {
    const wrong = new Mailer(smtpConfigFromEnv(env({ SMTP_PASSWORD: `${PASSWORD}-wrong` }))!);
    await expect(wrong.send({ subject: 's', text: 't' })).rejects.toThrow(/Invalid login|invalid credentials/i);
    wrong.close();
    const down = new Mailer(smtpConfigFromEnv(env({ SMTP_PORT: '1' }))!);
    await expect(down.send({ subject: 's', text: 't' })).rejects.toThrow(/ECONNREFUSED/);
    down.close();
  });

  it('is off without SMTP_HOST, and names bad settings without showing the password', () => {
    expect(smtpConfigFromEnv({})).toBeNull();
    let error: unknown;
    try {
      smtpConfigFromEnv(env({ SMTP_FROM: 'not-an-address', SMTP_PORT: 'x' }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^SMTP_FROM: expected an e-mail address, got "not-an-address"$/),
        expect.stringMatching(/^SMTP_PORT: /),
      ]),
    );
    expect((error as Error).message).not.toContain(PASSWORD);
  });
});
