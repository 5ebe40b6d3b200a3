import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Registry } from 'prom-client';

export interface WorkerMetricsServer {
  /** The URL of `/metrics`. */
  url: string;
  close(): Promise<void>;
}

/**
 * The worker's own Prometheus endpoint: this process's default metrics (`process_resident_memory_bytes`,
 * CPU, heap, event-loop lag). Export figures are not here: the API serves them from the metrics store,
 * which covers every worker. No token: it says nothing about data, and listens on loopback unless told.
 */
export async function startWorkerMetricsServer(port: number, host: string): Promise<WorkerMetricsServer> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}/metrics`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
