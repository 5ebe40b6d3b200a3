import net from 'node:net';
import { ServiceError } from '../../devstack/service-error';
import type { ManagedService } from '../../devstack/service';
import { bringUp } from '../../devstack/stack';
import { waitUntilReady } from '../../devstack/process';

function serviceOnPort(port: number, ready: () => Promise<boolean>): ManagedService {
  return {
    name: 'demo-service',
    ports: [port],
    logFile: '/var/log/demo-service.log',
    startDeadlineMs: 1_000,
    fix: 'do the fix',
    install: async () => undefined,
    start: async () => undefined,
    isReady: ready,
    stop: async () => false,
  };
}

describe('devstack faults', () => {
  it('refuses a port held by another program with a one-line error naming the service, the port and the fix', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const error = await bringUp(
        serviceOnPort(port, async () => false),
        () => undefined,
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ServiceError);
      const message = (error as Error).message;
      expect(message).not.toContain('\n');
      expect(message).toContain('demo-service');
      expect(message).toContain(`port ${port} is in use`);
      expect(message).toContain('/var/log/demo-service.log');
      expect(message).toContain('fix:');
    } finally {
      server.close();
    }
  });

  it('stops waiting at the deadline instead of hanging', async () => {
    const error = await waitUntilReady(async () => false, {
      service: 'demo-service',
      logFile: '/var/log/demo-service.log',
      deadlineMs: 300,
      fix: 'do the fix',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as Error).message).toMatch(
      /^demo-service: not ready after 0 s \(log: \/var\/log\/demo-service.log\); fix: do the fix$/,
    );
  });

  it('stops waiting when the process it waits for has exited', async () => {
    const error = await waitUntilReady(async () => false, {
      service: 'demo-service',
      logFile: '/var/log/demo-service.log',
      deadlineMs: 60_000,
      pid: 2 ** 22 + 1,
      fix: 'do the fix',
    }).catch((e: unknown) => e);
    expect((error as Error).message).toContain('exited during start-up');
  });
});
