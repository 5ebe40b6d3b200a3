/**
 * Reading the client's errors: a failed send is a tree (retries, one branch per broker, the
 * protocol error of one partition at the leaves). These helpers look through it without
 * depending on how deep a given failure nests.
 */

interface ErrorNode {
  code?: unknown;
  message?: unknown;
  canRetry?: unknown;
  apiId?: unknown;
  errors?: unknown;
  cause?: unknown;
  serverErrorMessage?: unknown;
  hasStaleMetadata?: unknown;
}

function children(err: ErrorNode): unknown[] {
  const out: unknown[] = [];
  if (Array.isArray(err.errors)) out.push(...(err.errors as unknown[]));
  if (err.cause) out.push(err.cause);
  return out;
}

function walk(err: unknown, visit: (node: ErrorNode, leaf: boolean) => void, depth = 0): void {
  if (!err || typeof err !== 'object' || depth > 10) return;
  const node = err as ErrorNode;
  const kids = children(node);
  visit(node, kids.length === 0);
  for (const kid of kids) walk(kid, visit, depth + 1);
}

/** Kafka protocol error ids (MESSAGE_TOO_LARGE, OUT_OF_ORDER_SEQUENCE_NUMBER...) anywhere in the error. */
export function protocolErrorIds(err: unknown): Set<string> {
  const ids = new Set<string>();
  walk(err, (node) => {
    if (typeof node.apiId === 'string') ids.add(node.apiId);
  });
  return ids;
}

/**
 * One line for an operator and for health's `last_error`: the outer message followed by the distinct
 * messages of the leaves ("Producing messages failed. (Connection refused ...)").
 */
export function describeKafkaError(err: unknown): string {
  const top = err instanceof Error ? err.message : String(err);
  const leaves: string[] = [];
  walk(err, (node, leaf) => {
    if (!leaf || node === err) return;
    let text = typeof node.message === 'string' ? node.message : '';
    if (typeof node.apiId === 'string') text = `${node.apiId}: ${text}`;
    if (typeof node.serverErrorMessage === 'string' && node.serverErrorMessage) text += ` (${node.serverErrorMessage})`;
    if (text && !leaves.includes(text)) leaves.push(text);
  });
  return leaves.length ? `${top} (${leaves.slice(0, 3).join('; ')})` : top;
}

/** A broker error that retrying the same request cannot fix (the client marks it `canRetry: false`). */
export function hasNonRetriableBrokerError(err: unknown): boolean {
  let found = false;
  walk(err, (node) => {
    if (typeof node.apiId === 'string' && node.canRetry === false) found = true;
  });
  return found;
}

/**
 * A broker answer meaning the client's metadata is out of date (UNKNOWN_TOPIC_OR_PARTITION,
 * NOT_LEADER_OR_FOLLOWER...): the client marks those `hasStaleMetadata`.
 */
export function hasStaleMetadata(err: unknown): boolean {
  let found = false;
  walk(err, (node) => {
    if (node.hasStaleMetadata === true) found = true;
  });
  return found;
}

/** The client's codes for "no broker answered": connection refused or lost, or a request timed out. */
const CONNECTION_CODES = new Set(['PLT_KFK_NETWORK', 'PLT_KFK_TIMEOUT']);

/** True when the failure is the cluster being unreachable, as opposed to a broker's answer. */
export function isConnectionError(err: unknown): boolean {
  let found = false;
  walk(err, (node) => {
    if (typeof node.code === 'string' && CONNECTION_CODES.has(node.code)) found = true;
  });
  return found;
}

/**
 * The topic does not exist: the broker's UNKNOWN_TOPIC_OR_PARTITION, or the client's own error for it
 * (its metadata answered error code 3, which it reports as a user error "Unknown topic <name>.").
 */
export function isUnknownTopicError(err: unknown): boolean {
  let found = false;
  walk(err, (node) => {
    if (node.apiId === 'UNKNOWN_TOPIC_OR_PARTITION') found = true;
    if (node.code === 'PLT_KFK_USER' && typeof node.message === 'string' && node.message.startsWith('Unknown topic '))
      found = true;
  });
  return found;
}
