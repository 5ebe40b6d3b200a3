/** Thrown by the devstack when a service cannot be installed or started: one line naming the service, its log and the fix. */
export class ServiceError extends Error {
  constructor(
    readonly service: string,
    problem: string,
    readonly logFile: string | undefined,
    readonly fix: string,
  ) {
    super(`${service}: ${problem}${logFile ? ` (log: ${logFile})` : ''}; fix: ${fix}`);
    this.name = this.constructor.name;
  }
}
