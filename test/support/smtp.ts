import { setTimeout as sleep } from 'node:timers/promises';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { freePort } from './ports';

/** A real SMTP server on loopback that keeps what it receives; it can go down and come back on its port. */
export interface TestSmtpServer {
  readonly port: number;
  readonly received: ParsedMail[];
  /** User names of the login attempts, right or wrong (only with a `login`). */
  readonly logins: string[];
  /** SMTP_* variables pointing at this server, with its login when it has one. */
  env(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** Listens on `port` (again); connections are refused until then. */
  start(): Promise<void>;
  /** Stops listening: connections are refused, as with a dead server. */
  stop(): Promise<void>;
  /** The first received message that matches, waiting up to `timeoutMs` for it. */
  waitFor(match: (mail: ParsedMail) => boolean, timeoutMs?: number): Promise<ParsedMail>;
  /** Received messages that match. */
  matching(match: (mail: ParsedMail) => boolean): ParsedMail[];
}

export interface SmtpServerOptions {
  /** `false`: a port that refuses connections until `start()`. @default true */
  listening?: boolean;
  /** The only credentials the server accepts; without them it asks for no login. */
  login?: { username: string; password: string };
}

/** An SMTP server on a free loopback port. */
export async function createSmtpServer(options: SmtpServerOptions = {}): Promise<TestSmtpServer> {
  const { login } = options;
  const port = await freePort();
  const received: ParsedMail[] = [];
  const logins: string[] = [];
  let server: SMTPServer | undefined;

  const api: TestSmtpServer = {
    port,
    received,
    logins,
    env: (extra = {}) => ({
      ...process.env,
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(port),
      SMTP_USERNAME: login?.username ?? '',
      SMTP_PASSWORD: login?.password ?? '',
      SMTP_FROM: 'pstt-tool@example.com',
      SMTP_TO: 'ops-team@example.com',
      ...extra,
    }),
    async start() {
      if (server) return;
      const next = new SMTPServer({
        ...(login
          ? {
              disabledCommands: ['STARTTLS'],
              allowInsecureAuth: true,
              onAuth(auth, _session, callback) {
                logins.push(auth.username ?? '');
                if (auth.username === login.username && auth.password === login.password) {
                  callback(null, { user: auth.username });
                } else {
                  callback(new Error('invalid credentials'));
                }
              },
            }
          : { disabledCommands: ['STARTTLS', 'AUTH'], authOptional: true }),
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
      await new Promise<void>((resolve) => next.listen(port, '127.0.0.1', resolve));
      server = next;
    },
    async stop() {
      const current = server;
      server = undefined;
      if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
    },
    matching: (match) => received.filter(match),
    async waitFor(match, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const mail = received.find(match);
        if (mail) return mail;
        if (Date.now() > deadline)
          throw new Error(`no matching e-mail within ${timeoutMs} ms (received ${received.length})`);
        await sleep(100);
      }
    },
  };
  if (options.listening ?? true) await api.start();
  return api;
}
