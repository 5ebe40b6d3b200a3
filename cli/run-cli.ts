/** Runs a command-line entry point: exits with its code, or prints one error line and exits non-zero. */
export function runCli(main: () => Promise<number>, exitCodeOf: (err: unknown) => number = () => 1): void {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(exitCodeOf(err));
    },
  );
}
