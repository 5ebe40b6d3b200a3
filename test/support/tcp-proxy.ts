import net from 'node:net';

/**
 * Forwards a loopback port to a target, so that a test can make a service "come back" without touching
 * the shared service itself: before `open()` the port refuses connections, as a stopped broker's would.
 */
export class TcpProxy {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  private readonly pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  /** Connections accepted while cut: they wait, unanswered, until `heal()`. */
  private readonly held: Array<() => void> = [];
  private isCut = false;

  constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  async open(): Promise<void> {
    const server = net.createServer((client) => {
      this.track(client);
      const connect = () => {
        const upstream = net.connect(this.target.port, this.target.host);
        this.track(upstream);
        const pair = { client, upstream };
        this.pairs.add(pair);
        upstream.on('close', () => this.pairs.delete(pair));
        client.pipe(upstream).pipe(client);
      };
      if (this.isCut) this.held.push(connect);
      else connect();
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.server = server;
  }

  private track(s: net.Socket): void {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
    s.on('error', () => undefined);
  }

  /**
   * A network partition: bytes stop flowing both ways and new connections are accepted but never
   * answered, with no reset or close, as when packets are dropped. `heal()` ends it.
   */
  cut(): void {
    this.isCut = true;
    for (const { client, upstream } of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  /** Ends a `cut()`: what was held flows on, as after a partition heals. */
  heal(): void {
    this.isCut = false;
    for (const { client, upstream } of this.pairs) client.pipe(upstream).pipe(client);
    for (const connect of this.held.splice(0)) connect();
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = null;
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}
