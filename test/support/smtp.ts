import net, { type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A real SMTP server on loopback that keeps what it receives; it can go down and come back on its port. */
export interface TestSmtpServer {
  readonly port: number;
  readonly received: ParsedMail[];
  /** SMTP_* variables pointing at this server (no login: the server does not ask for one). */
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

/** A free loopback port: taken, then released. */
export async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** An SMTP server on a free port; `listening: false` gives a port that refuses connections until `start()`. */
export async function createSmtpServer(options: { listening?: boolean } = {}): Promise<TestSmtpServer> {
  const port = await freePort();
  const received: ParsedMail[] = [];
  let server: SMTPServer | undefined;

  const api: TestSmtpServer = {
    port,
    received,
    env: (extra = {}) => ({
      ...process.env,
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(port),
      SMTP_USERNAME: '',
      SMTP_PASSWORD: '',
      SMTP_FROM: 'pstt-tool@example.com',
      SMTP_TO: 'ops-team@example.com',
      ...extra,
    }),
    async start() {
      if (server) return;
      const next = new SMTPServer({
        disabledCommands: ['STARTTLS', 'AUTH'],
        authOptional: true,
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

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await sleep(200);
  }
}
