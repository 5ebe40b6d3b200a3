/** A real service the project installs and runs on loopback for the demo and the tests. */
export interface ManagedService {
  readonly name: string;
  /** Names of the pid files of its processes (see process.ts), when not just `name`. */
  readonly processNames?: readonly string[];
  /** Loopback TCP ports the service listens on; all must be free before it starts. */
  readonly ports: readonly number[];
  readonly logFile: string;
  /** Set when the operator points PSTT at an external instance: the devstack then leaves it alone. */
  readonly externalReason?: string;
  /** Installs what the service needs into the tools folder, when missing. Idempotent. */
  install(): Promise<void>;
  /** Starts the process; returns its pid when the devstack tracks it. */
  start(): Promise<number | undefined>;
  /** True when the service answers a real request. */
  isReady(): Promise<boolean>;
  /** Stops the process; true when something was running. */
  stop(): Promise<boolean>;
  /** Deadline for readiness after start. */
  readonly startDeadlineMs: number;
  /** What to tell an operator when start-up fails. */
  readonly fix: string;
}
