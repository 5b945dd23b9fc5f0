/**
 * samctl: run any program under SAM supervision. `samctl run [options] -- <command> [arguments...]`
 */
import { SamError } from "@samkit/core";
import { superviseCommand } from "@samkit/backend-fork";
import { parseRunOptions, runUsage } from "./run-options.js";
import { eventLogger } from "./event-log.js";
import { UsageError } from "./usage-error.js";

const usage = `usage: samctl <command> [options]

commands:
  run [options] -- <command> [arguments...]   run a program under SAM supervision
  help [command]                              this help, or a command's

samctl run --help lists the run options.`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "-h" || command === "--help" || (command === "help" && rest.length === 0)) {
    process.stdout.write(`${usage}\n`);
    return command === undefined ? 2 : 0;
  }
  if (command === "help" && rest[0] === "run") {
    process.stdout.write(`${runUsage}\n`);
    return 0;
  }
  if (command !== "run") throw new UsageError(`unknown command "${command}" (samctl run -- <command>; samctl --help)`);
  const options = parseRunOptions(rest);
  if (options === "help") {
    process.stdout.write(`${runUsage}\n`);
    return 0;
  }
  return superviseCommand({ command: options.command, args: options.args, sam: options.sam, onEvent: eventLogger(options.log), probe: options.probe });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`samctl: ${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`samctl: ${SamError.isInstance(error) ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
