import { allServices, up } from '../devstack/stack';

/** `npm test` brings the real services up itself; already running ones are reused. */
export default async function globalSetup(): Promise<void> {
  await up(allServices(), (line) => process.stdout.write(`  [services] ${line}\n`));
}
