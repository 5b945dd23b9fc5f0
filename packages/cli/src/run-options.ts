/**
 * The options of `samctl run` (see run-option-table.ts), parsed into what the supervisor takes.
 * Beyond SAM, the restart limit and the back-off are on by default here (off in the SDK): a crash
 * loop must not spin.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { SamError, resolveOptions, type SamOptions } from "@samkit/core";
import { runOptionTable, type NegatableOption, type RunOption, type RunOptions, type TextOption } from "./run-option-table.js";
import { nameFromCommand } from "./samctl-name.js";
import { UsageError } from "./usage-error.js";

export type { RunOptions } from "./run-option-table.js";
export { runUsage } from "./run-usage.js";

const table: readonly RunOption[] = runOptionTable;

function parseArgsOptions(): NonNullable<ParseArgsConfig["options"]> {
  return Object.fromEntries(
    table.flatMap((option) => {
      const own = [option.flag, { type: option.kind === "switch" ? "boolean" : "string", ...(option.short === undefined ? {} : { short: option.short }) }] as const;
      return option.kind === "negatable" ? [own, [`no-${option.flag}`, { type: "boolean" }] as const] : [own];
    }),
  );
}

/** The choices in words: `is neither quit nor restart`, `is not auto, text, json or none`. */
function choiceWords(choices: readonly string[]): string {
  if (choices.length === 2) return `is neither ${choices[0]} nor ${choices[1]}`;
  return `is not ${choices.length === 1 ? choices[0] : `${choices.slice(0, -1).join(", ")} or ${choices.at(-1)}`}`;
}

function refusal(option: TextOption | NegatableOption, text: string, reason: string): UsageError {
  const words = option.refused?.(text, reason) ?? (option.choices === undefined ? `"${text}": ${reason}` : `"${text}" ${choiceWords(option.choices)}`);
  return new UsageError(`--${option.flag}: ${words}`);
}

/** What a given option put into SamOptions, to find the option whose value core refuses. */
interface SamPart {
  option: TextOption | NegatableOption;
  text: string;
  sam: Partial<SamOptions>;
}

/** SamOptions as the table's defaults make them. */
function samDefaults(): Partial<SamOptions> {
  const parts = table.map((option) => (option.kind !== "switch" && option.sam && option.default !== undefined ? option.sam(option.default, `--${option.flag}`) : {}));
  return Object.assign({}, ...parts) as Partial<SamOptions>;
}

const coreReason = (error: SamError) => error.message.replace(/^@samkit\/core: /, "");

/**
 * Core validates SamOptions as a whole, and its reason names SamOptions' fields, not samctl's
 * flags: so each given option's part is tried alone, on the defaults, to find the refused one.
 */
function coreRefusal(error: SamError, parts: readonly SamPart[]): UsageError {
  const defaults = samDefaults();
  for (const part of parts) {
    try {
      resolveOptions({ ...defaults, ...part.sam });
    } catch (alone) {
      if (SamError.isInstance(alone)) return refusal(part.option, part.text, coreReason(alone));
      throw alone;
    }
  }
  return new UsageError(coreReason(error));
}

export function parseRunOptions(argv: readonly string[]): RunOptions | "help" {
  const separator = argv.indexOf("--");
  const own = separator < 0 ? [...argv] : argv.slice(0, separator);
  const command = separator < 0 ? [] : argv.slice(separator + 1);
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    ({ values } = parseArgs({ args: own, strict: true, allowPositionals: false, options: parseArgsOptions() }));
  } catch (error) {
    // parseArgs says what was wrong in its first sentence.
    throw new UsageError(String((error as Error).message).split("\n")[0]!.replace(/\. To specify.*$/, ""));
  }
  if (values.help) return "help";
  if (command.length === 0 || command[0] === "") throw new UsageError("no command: put it after --, e.g. samctl run -- node server.js");

  // A flag and its --no- form can both come (config, environment, command line): the later wins.
  const last = (flag: string) => Math.max(own.lastIndexOf(flag), ...own.map((token, index) => (token.startsWith(`${flag}=`) ? index : -1)));
  const negatable = (option: NegatableOption): string | false | undefined => {
    const value = values[option.flag] as string | undefined;
    if (!values[`no-${option.flag}`]) return value;
    return value !== undefined && last(`--${option.flag}`) > last(`--no-${option.flag}`) ? value : false;
  };
  /** Given with a value: from the command line, the environment or the config file; not negated. */
  const given = (option: RunOption) => (option.kind === "negatable" ? typeof negatable(option) === "string" : values[option.flag] !== undefined);

  const probes = table.filter((option) => option.probe && given(option));
  if (probes.length > 1) throw new UsageError(`--${probes[0]!.flag} and --${probes[1]!.flag}: one probe at a time`);

  // log, backend and sam come from the table (defaults included); core checks sam is complete.
  const options = { command: command[0]!, args: command.slice(1), sam: {} as SamOptions, probe: undefined, name: nameFromCommand(command[0]!), store: undefined, quorum: undefined, cmap: false } as RunOptions;
  const parts: SamPart[] = [];
  const addSam = (part: SamPart, fromUser: boolean) => {
    if (fromUser) parts.push(part);
    Object.assign(options.sam, part.sam);
  };
  for (const option of table) {
    const flag = `--${option.flag}`;
    if (option.kind === "switch") {
      if (values[option.flag] === true) option.run?.(options);
    } else if (option.kind === "negatable") {
      const value = negatable(option);
      const chosen = value ?? option.default;
      addSam({ option, text: String(chosen), sam: option.sam(chosen, flag) }, value !== undefined);
    } else {
      const value = values[option.flag] as string | undefined;
      const text = value ?? option.default;
      if (text === undefined) continue;
      if (option.sam) addSam({ option, text, sam: option.sam(text, flag) }, value !== undefined);
      // Choices core does not know are samctl's to check.
      else if (option.choices && !option.choices.includes(text)) throw refusal(option, text, "");
      option.run?.(text, options, flag);
    }
  }
  if (options.backend === "native") {
    const unsupported = table.find((option) => option.notWithNative && given(option));
    if (unsupported) throw new UsageError(`--${unsupported.flag} does not work with --backend native: libsam decides alone`);
  }
  try {
    resolveOptions(options.sam);
  } catch (error) {
    if (SamError.isInstance(error) && error.code === "CS_ERR_INVALID_PARAM") throw coreRefusal(error, parts);
    throw error;
  }
  return options;
}
