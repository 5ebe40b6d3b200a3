import { Client } from 'pg';
import { devPostgresUrl } from '../../devstack/postgres-server';
import { uniqueName } from '../support/names';

describe('PostgreSQL test database (real server)', () => {
  it('serves the test database for reads and writes', async () => {
    const client = new Client({ connectionString: process.env.PSTT_TEST_POSTGRES_URL ?? devPostgresUrl('pstt_test') });
    await client.connect();
    const table = uniqueName('t').replace(/-/g, '_');
    try {
      await client.query(`CREATE TABLE ${table} (id int PRIMARY KEY, amount numeric(12,2))`);
      await client.query(`INSERT INTO ${table} SELECT g, g * 1.5 FROM generate_series(1, 100) g`);
      const { rows } = await client.query(`SELECT count(*)::int AS n, sum(amount)::text AS total FROM ${table}`);
      expect(rows[0]).toEqual({ n: 100, total: '7575.00' });
    } finally {
      await client.query(`DROP TABLE IF EXISTS ${table}`);
      await client.end();
    }
  });
});
