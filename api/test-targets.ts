import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { AppConfig } from '../core/config';
import { HttpError } from './http-errors';

/**
 * Where `POST /api/kafka/test` may connect. It opens connections to hosts its caller names, so by default
 * it refuses addresses of this host and its networks (loopback, link-local such as a cloud's metadata
 * service at 169.254.169.254, private and shared ranges): the API must not become a port scanner of
 * the inside. The cluster PSTT itself uses is always allowed (the runbook tests new credentials on it).
 */
export interface TestTargetPolicy {
  /** `api.allow_private_test_targets`: the dev stack, whose Kafka is on 127.0.0.1, sets it. */
  allowPrivate: boolean;
  /** `kafka.bootstrap_servers` of the config (`host:port`). */
  knownBrokers: readonly string[];
}

/** The policy of a config: its `api.allow_private_test_targets` and its own brokers. */
export function testTargetPolicyOf(config: Pick<AppConfig, 'api' | 'kafka'>): TestTargetPolicy {
  return { allowPrivate: config.api.allow_private_test_targets, knownBrokers: config.kafka.bootstrap_servers };
}

const INTERNAL = new BlockList();
INTERNAL.addSubnet('0.0.0.0', 8, 'ipv4'); // "this network"
INTERNAL.addSubnet('10.0.0.0', 8, 'ipv4');
INTERNAL.addSubnet('100.64.0.0', 10, 'ipv4'); // shared address space (carrier-grade NAT)
INTERNAL.addSubnet('127.0.0.0', 8, 'ipv4');
INTERNAL.addSubnet('169.254.0.0', 16, 'ipv4');
INTERNAL.addSubnet('172.16.0.0', 12, 'ipv4');
INTERNAL.addSubnet('192.168.0.0', 16, 'ipv4');
INTERNAL.addAddress('::', 'ipv6');
INTERNAL.addAddress('::1', 'ipv6');
INTERNAL.addSubnet('fe80::', 10, 'ipv6');
INTERNAL.addSubnet('fc00::', 7, 'ipv6');

/** Whether an IP address is loopback, link-local, private or unspecified (IPv4-mapped IPv6 included). */
export function isInternalAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  // BlockList matches IPv4-mapped IPv6 addresses (::ffff:127.0.0.1) against the IPv4 ranges.
  return INTERNAL.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** The addresses a host name stands for (an IP address stands for itself); none when it does not resolve. */
async function addressesOf(host: string): Promise<string[]> {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (isIP(bare)) return [bare];
  try {
    return (await lookup(bare, { all: true })).map((a) => a.address);
  } catch {
    // Unresolvable: the connection test itself reports that.
    return [];
  }
}

/**
 * Refuses (400, naming `bootstrap_servers`) a target that resolves to an internal address, unless the
 * policy allows them or it is one of PSTT's own brokers.
 */
export async function checkTestTargets(targets: readonly string[], policy: TestTargetPolicy): Promise<void> {
  if (policy.allowPrivate) return;
  const known = new Set(policy.knownBrokers.map((b) => b.toLowerCase()));
  for (const target of targets) {
    if (known.has(target.toLowerCase())) continue;
    const host = target.slice(0, target.lastIndexOf(':'));
    const internal = (await addressesOf(host)).find(isInternalAddress);
    if (internal) {
      const message =
        `${target} is a loopback, link-local or private address (${internal}): connection tests reach other ` +
        'hosts only, unless api.allow_private_test_targets is true (the brokers of kafka.bootstrap_servers are always allowed)';
      throw new HttpError(400, 'invalid_request', `bootstrap_servers: ${message}`, {
        details: [{ path: 'bootstrap_servers', message }],
      });
    }
  }
}
