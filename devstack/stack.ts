import { kafkaBroker } from './kafka-broker';
import { postgresServer } from './postgres-server';
import { isPortOpen, runningPid, waitUntilReady } from './process';
import { ServiceError } from './service-error';
import type { ManagedService } from './service';
import { temporalServer } from './temporal-server';

export type ServiceStatus = 'running' | 'running (not started by PSTT)' | 'stopped' | 'external';

/** The services of the dev stack, in start order. */
export function allServices(): ManagedService[] {
  return [postgresServer(), kafkaBroker(), temporalServer()];
}

export function selectServices(names: readonly string[]): ManagedService[] {
  const services = allServices();
  if (names.length === 0) return services;
  const unknown = names.filter((n) => !services.some((s) => s.name === n));
  if (unknown.length) {
    throw new Error(`unknown service ${unknown.join(', ')}: expected ${services.map((s) => s.name).join(', ')}`);
  }
  return services.filter((s) => names.includes(s.name));
}

async function isReady(service: ManagedService): Promise<boolean> {
  return service.isReady().catch(() => false);
}

/** Installs (when missing) and starts a service, then waits until it answers; reuses one already running. */
export async function bringUp(service: ManagedService, say: (line: string) => void): Promise<void> {
  if (service.externalReason) {
    say(`${service.name}: external (${service.externalReason}), not managed here`);
    return;
  }
  if (await isReady(service)) {
    say(`${service.name}: already running`);
    return;
  }
  for (const port of service.ports) {
    if (await isPortOpen(port)) {
      throw new ServiceError(
        service.name,
        `port ${port} is in use by another program`,
        service.logFile,
        `stop what listens on 127.0.0.1:${port} (ss -ltnp 'sport = :${port}'), or point PSTT at it with its environment variable`,
      );
    }
  }
  await service.install();
  const pid = await service.start();
  await waitUntilReady(() => service.isReady(), {
    service: service.name,
    logFile: service.logFile,
    deadlineMs: service.startDeadlineMs,
    pid,
    fix: service.fix,
  });
  say(`${service.name}: started (ports ${service.ports.join(', ')}; log ${service.logFile})`);
}

export async function statusOf(service: ManagedService): Promise<ServiceStatus> {
  if (service.externalReason) return 'external';
  if (!(await isReady(service))) return 'stopped';
  const started = (service.processNames ?? [service.name]).some((name) => runningPid(name) !== undefined);
  return started || service.name === 'postgres' ? 'running' : 'running (not started by PSTT)';
}

export async function up(services: ManagedService[], say: (line: string) => void): Promise<void> {
  for (const service of services) await bringUp(service, say);
}

export async function down(services: ManagedService[], say: (line: string) => void): Promise<void> {
  for (const service of [...services].reverse()) {
    if (service.externalReason) continue;
    say(`${service.name}: ${(await service.stop()) ? 'stopped' : 'was not running'}`);
  }
}
