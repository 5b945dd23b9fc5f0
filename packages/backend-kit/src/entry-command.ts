/**
 * How an instance is started: the same Node executable, flags and script as the supervisor, so
 * the entry runs again from the top. Entries that cannot be re-run are refused with a SamError.
 */
import { fs, isMainThread } from "./node-builtins.js";
import { SamError } from "@samkit/core";

export interface EntryCommand {
  command: string;
  args: string[];
}

// An instance opening the supervisor's inspector port would fail or, worse, steal the debugger.
const inspectorFlag = /^--(inspect|inspect-brk|inspect-wait|debug|debug-brk|inspect-port|debug-port)(=|$)/;
// Flags whose value may follow as the next word.
const inspectorFlagWithValue = /^--(inspect-port|debug-port)$/;
const evalFlag = /^(-e|--eval|-p|--print|-i|--interactive)(=|$)/;

/** `backendName` is for messages (`@samkit/backend-fork`); the rest defaults to this process. */
export function entryCommand(
  backendName: string,
  execPath: string = process.execPath,
  execArgv: readonly string[] = process.execArgv,
  argv: readonly string[] = process.argv,
  mainThread: boolean = isMainThread(),
): EntryCommand {
  if (!mainThread) {
    throw new SamError("CS_ERR_NOT_SUPPORTED", `${backendName}: register() must be called from the main thread, not a worker thread; the supervisor is the whole process`);
  }
  const script = argv[1];
  if (execArgv.some((flag) => evalFlag.test(flag)) || script === undefined || script === "-" || script === "") {
    throw new SamError(
      "CS_ERR_NOT_SUPPORTED",
      `${backendName}: register() needs a script file to run again for each instance; code from node -e, node -p, the REPL or standard input cannot be re-run. Put the code in a file and run node file.js`,
    );
  }
  if (!fs.existsSync(script)) {
    throw new SamError("CS_ERR_NOT_SUPPORTED", `${backendName}: the entry script ${script} does not exist any more, so no instance can run it`);
  }
  const flags: string[] = [];
  for (let index = 0; index < execArgv.length; index++) {
    const flag = execArgv[index] as string;
    if (inspectorFlag.test(flag)) continue;
    flags.push(flag);
  }
  return { command: execPath, args: [...flags, ...argv.slice(1)] };
}

/**
 * The environment for an instance: this one, with the inspector flags taken out of NODE_OPTIONS
 * as they are out of the command line (Node reads both). NODE_OPTIONS is split as Node splits
 * it: on white space, a double-quoted part kept whole.
 */
export function instanceEnvironment(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const options = env.NODE_OPTIONS;
  if (options === undefined || !/--(inspect|debug)/.test(options)) return env;
  const words = options.match(/(?:[^\s"]+|"[^"]*")+/g) ?? [];
  const kept: string[] = [];
  for (let index = 0; index < words.length; index++) {
    const word = words[index] as string;
    if (!inspectorFlag.test(word)) kept.push(word);
    else if (inspectorFlagWithValue.test(word) && !(words[index + 1] ?? "-").startsWith("-")) index++;
  }
  return { ...env, NODE_OPTIONS: kept.join(" ") };
}
