import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../core/paths';

interface Service {
  ports?: string[];
  networks?: string[];
}

/** docker/compose.yaml keeps Temporal behind the API: its frontend and Web UI take no credentials. */
describe('docker/compose.yaml', () => {
  const compose = parse(fs.readFileSync(path.join(PROJECT_ROOT, 'docker', 'compose.yaml'), 'utf8'), { merge: true }) as {
    services: Record<string, Service>;
    networks: Record<string, { internal?: boolean }>;
  };

  it('publishes the API port only', () => {
    const published = Object.entries(compose.services).filter(([, s]) => s.ports?.length);
    expect(published).toEqual([['api', expect.objectContaining({ ports: ['8000:8000'] })]]);
  });

  it('keeps Temporal, its Web UI, its database and Kafka on a network with no route out', () => {
    expect(compose.networks.internal).toEqual({ internal: true });
    for (const name of ['temporal', 'temporal-ui', 'postgresql', 'kafka-1', 'kafka-2', 'kafka-3']) {
      expect([name, compose.services[name]?.networks]).toEqual([name, ['internal']]);
    }
  });
});
