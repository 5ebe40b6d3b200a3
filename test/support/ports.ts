import net, { type AddressInfo } from 'node:net';

/** A free TCP port on the loopback interface: taken, then released (nothing listens on it when this returns). */
export async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
