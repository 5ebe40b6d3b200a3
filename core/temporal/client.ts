import { Client, Connection } from '@temporalio/client';
import type { AppConfig } from '../config';

/** Connects a Temporal client to the configured server and namespace. */
export async function connectTemporalClient(config: AppConfig['temporal']): Promise<Client> {
  const connection = await Connection.connect({ address: config.address, connectTimeout: '10s' });
  return new Client({ connection, namespace: config.namespace });
}
