import type { RuleState, Transition } from './alert-rules';

/** One transition in the alert log, with how its e-mail went. */
export interface AlertLogEntry extends Transition {
  id: number;
  delivered: boolean;
  /** E-mail attempts made so far. */
  delivery_attempts: number;
  /** Why the last attempt failed, or why none was made (e-mail off); null once delivered. */
  last_delivery_error: string | null;
  delivered_at: Date | null;
}

/** A transition to log; `delivery_error` says up front why no e-mail can go out yet (SMTP not configured). */
export interface NewAlert extends Transition {
  delivery_error: string | null;
}

/**
 * The alerts' durable memory, in the metrics database: each rule's state between evaluations, and the log of
 * transitions with their e-mail delivery.
 */
export interface AlertStore {
  /** The stored state of every rule evaluated so far. */
  states(): Promise<RuleState[]>;
  /**
   * Saves a rule's new state and, when there is one, its transition, in one transaction, provided the stored
   * state is still `previous` (compare and set: two overlapping evaluations never log one transition twice).
   * Resolves false when another evaluation changed the rule first; nothing is written then.
   */
  save(next: RuleState, previous: RuleState | null, alert: NewAlert | null): Promise<boolean>;
  /** The latest `limit` transitions, newest first. */
  recent(limit: number): Promise<AlertLogEntry[]>;
  /** The oldest `limit` transitions whose e-mail has not gone out, oldest first. */
  undelivered(limit: number): Promise<AlertLogEntry[]>;
  /** Records an e-mail attempt: delivered at `at`, or failed with `error`. */
  recordDelivery(
    id: number,
    outcome: { delivered: true; at: Date } | { delivered: false; error: string },
  ): Promise<void>;
  /** Deletes the transitions logged before `before` (the metrics retention); resolves how many. */
  deleteBefore(before: Date): Promise<number>;
  close(): Promise<void>;
}
