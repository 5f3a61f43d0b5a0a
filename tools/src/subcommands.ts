/**
 * A failure whose reason is already on stderr (a child process with inherited stderr said why):
 * the entry point exits with its code and prints nothing more, so the reason stays the last line
 * a reader (a build Job's summary) sees, not a repetition of "X exited with 1".
 */
export class ReportedFailure extends Error {
  constructor(
    message: string,
    readonly code = 1,
  ) {
    super(message);
  }
}

/**
 * The entry point of a command with subcommands (tools/edgefleet model, tools/edgefleet fl): runs
 * the one named first with the rest of argv, prints the usage for --help, and turns an error into
 * its message and exit code 1 (a ReportedFailure: its code, nothing printed); 2 for a missing or unknown subcommand.
 */
export async function subcommands(
  name: string,
  usage: string,
  commands: Readonly<Record<string, (argv: string[]) => Promise<number>>>,
  [sub, ...argv]: readonly string[],
): Promise<number> {
  if (sub === "-h" || sub === "--help") {
    console.log(usage);
    return 0;
  }
  const run = sub !== undefined && Object.hasOwn(commands, sub) ? commands[sub] : undefined;
  if (!run) {
    console.error(`${sub === undefined ? "no command given" : `unknown command "${sub}"`}\n\n${usage}`);
    return 2;
  }
  return run(argv).catch((err: unknown) => {
    if (err instanceof ReportedFailure) return err.code;
    console.error(`${name}: ${err instanceof Error ? err.message : err}`);
    return 1;
  });
}
