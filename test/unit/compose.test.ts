import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../core/paths';

interface Service {
  ports?: string[];
  networks?: string[];
}

/** docker/compose.yaml keeps Temporal behind the API (its frontend and Web UI take no credentials), the monitoring on loopback. */
describe('docker/compose.yaml', () => {
  const compose = parse(fs.readFileSync(path.join(PROJECT_ROOT, 'docker', 'compose.yaml'), 'utf8'), {
    merge: true,
  }) as {
    services: Record<string, Service>;
    networks: Record<string, { internal?: boolean }>;
  };

  it('publishes the API port, and Prometheus and Grafana on 127.0.0.1 only', () => {
    const published = Object.fromEntries(
      Object.entries(compose.services)
        .filter(([, s]) => s.ports?.length)
        .map(([name, s]) => [name, s.ports]),
    );
    expect(published).toEqual({
      api: ['8000:8000'],
      prometheus: ['127.0.0.1:9090:9090'],
      grafana: ['127.0.0.1:3000:3000'],
    });
  });

  it('keeps Temporal, its Web UI, its database and Kafka on a network with no route out', () => {
    expect(compose.networks.internal).toEqual({ internal: true });
    for (const name of ['temporal', 'temporal-ui', 'postgresql', 'kafka-1', 'kafka-2', 'kafka-3']) {
      expect([name, compose.services[name]?.networks]).toEqual([name, ['internal']]);
    }
  });
});
