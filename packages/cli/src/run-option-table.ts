/**
 * Every option of `samctl run`, once. The flag gives the rest of an option's names: `--warn-signal`
 * is `SAMKIT_WARN_SIGNAL` in the environment and `warnSignal` in a config file. From this table
 * come the parseArgs options, the usage text, the environment and config-file settings, the
 * config type and the JSON Schema (samkit.config.schema.json).
 *
 * Values that end up in SamOptions (`sam`) are validated by @samkit/core alone; samctl checks only
 * what core does not know (duration syntax, probes, paths, its own choices).
 */
import type { SamOptions } from "@samkit/core";
import { checkName, nameSyntax } from "./samctl-name.js";
import { belowOneMillisecond, durationSyntax, parseDuration } from "./durations.js";
import { commandProbe, fileProbe, hostPortSyntax, httpProbe, tcpProbe, type Probe } from "./probes.js";
import { UsageError } from "./usage-error.js";

export interface RunOptions {
  command: string;
  args: string[];
  sam: SamOptions;
  log: "auto" | "text" | "json" | "none";
  probe: Probe | undefined;
  name: string;
  /** Plugins to load: a file store path, corosync's quorum, corosync's CMAP. */
  store: string | undefined;
  quorum: "corosync" | undefined;
  cmap: boolean;
  backend: "fork" | "native";
}

/** The part of JSON Schema (draft 7) the table uses. */
export interface SchemaFragment {
  readonly description?: string;
  readonly type?: "string" | "integer" | "boolean" | readonly ("string" | "integer")[];
  readonly pattern?: string;
  readonly format?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
}

interface Common {
  /** The flag without its dashes. */
  readonly flag: string;
  readonly short?: string;
  /** Lines of the usage text; ` (default …)` is added to the first unless a line says it already. */
  readonly help: readonly string[];
  /** Only on the command line: no SAMKIT_* variable, no config key. */
  readonly commandLineOnly?: true;
  /** Refused with `--backend native`, where libsam decides alone. */
  readonly notWithNative?: true;
  /** One of the probes, of which one at a time is allowed. */
  readonly probe?: true;
}

interface ValueOption extends Common {
  /** The value as the usage text shows it, e.g. `<duration>`; the choices, when there are some. */
  readonly value?: string;
  readonly choices?: readonly string[];
  /** Taken when the option is not given, written as on the command line. */
  readonly default?: string;
  /** What a config file may hold (the enum of the choices and `false` of a negatable are added). */
  readonly schema?: SchemaFragment;
  /** samctl's words after `--flag: ` for a refused value (by the choices, or by core with its reason). */
  readonly refused?: (text: string, reason: string) => string;
}

/** `--flag <value>`. */
export interface TextOption extends ValueOption {
  readonly kind: "text";
  /** The value's part of SamOptions, which @samkit/core validates. */
  readonly sam?: (text: string, flag: string) => Partial<SamOptions>;
  /** Sets samctl's own run options; throws a UsageError for what core does not check. */
  readonly run?: (text: string, options: RunOptions, flag: string) => void;
}

/** `--flag <value>` and `--no-flag` (config: false; environment: off); the later one wins. */
export interface NegatableOption extends ValueOption {
  readonly kind: "negatable";
  readonly default: string;
  readonly negatedHelp: string;
  readonly sam: (value: string | false, flag: string) => Partial<SamOptions>;
}

/** `--flag` alone (config: true or false; environment: 1 or 0). */
export interface SwitchOption extends Common {
  readonly kind: "switch";
  readonly run?: (options: RunOptions) => void;
}

export type RunOption = TextOption | NegatableOption | SwitchOption;

function duration(text: string, flag: string): number {
  const value = parseDuration(text);
  if (value !== undefined) return value;
  // Rounded, it would be 0, which turns what it times off.
  if (belowOneMillisecond(text)) throw new UsageError(`${flag}: "${text}" is below 1 ms; a duration above 0 is at least 1 ms`);
  throw new UsageError(`${flag}: "${text}" is not a duration (examples: 500ms, 2s, 1m; a bare number is milliseconds)`);
}

/** Digits become a number; anything else NaN, which core refuses with its own reason. */
function integer(text: string): number {
  return /^\d+$/.test(text) ? Number(text) : Number.NaN;
}

function asProbe(make: (text: string, interval: number) => Probe) {
  return (text: string, options: RunOptions, flag: string) => {
    if (options.sam.interval === 0) throw new UsageError(`${flag} needs --interval above 0 (the probe runs every interval / 2)`);
    options.probe = make(text, options.sam.interval);
  };
}

/** The exit codes core takes for noRestartExitCode; a test checks core agrees. */
export const exitCodes = { minimum: 1, maximum: 255 } as const;

export const runOptionTable = [
  {
    flag: "interval",
    kind: "text",
    value: "<duration>",
    default: "0",
    help: ["health checks are due this often; 0 watches death only", "e.g. 500ms, 2s; a bare number is milliseconds"],
    schema: {
      description: 'Health checks are due this often: a duration such as "2s" or "500ms", or milliseconds; 0 watches death only.',
      type: ["string", "integer"],
      pattern: `^${durationSyntax}$`,
      minimum: 0,
    },
    sam: (text, flag) => ({ interval: duration(text, flag) }),
  },
  {
    flag: "recovery",
    kind: "text",
    choices: ["quit", "restart"],
    default: "restart",
    help: ["after a started instance dies or hangs"],
    sam: (text) => ({ recovery: text as SamOptions["recovery"] }),
  },
  {
    flag: "warn-signal",
    kind: "text",
    value: "<signal>",
    default: "SIGTERM",
    help: ["sent on a missed health check; SIGKILL then one interval later"],
    schema: { description: "A signal name such as SIGTERM or USR2, or its number.", type: ["string", "integer"] },
    refused: (text) => `"${text}" is not a signal (examples: SIGTERM, USR2, 15)`,
    sam: (text) => ({ warnSignal: /^\d+$/.test(text) ? Number(text) : (text as NodeJS.Signals) }),
  },
  {
    flag: "restart-limit",
    kind: "negatable",
    value: "<n>/<duration>",
    default: "5/10s",
    help: ["at most n restarts within the duration, then exit 124"],
    negatedHelp: "restart without limit (as libsam)",
    schema: { description: '"<count>/<duration>", e.g. "5/10s"; false for no limit.', type: "string", pattern: String.raw`^\d+/${durationSyntax}$` },
    notWithNative: true,
    sam: (value, flag) => {
      if (value === false) return { restartLimit: undefined };
      const match = /^(\d+)\/(.+)$/.exec(value);
      if (!match) throw new UsageError(`${flag}: "${value}" is not <count>/<duration>, e.g. 5/10s`);
      return { restartLimit: { count: Number(match[1]), window: duration(match[2]!, flag) } };
    },
  },
  {
    flag: "backoff",
    kind: "negatable",
    value: "<initial>,<max>",
    default: "100ms,10s",
    help: ["exponential delays between restarts"],
    negatedHelp: "restart at once (as libsam)",
    schema: { description: '"<initial>,<max>", e.g. "100ms,10s"; false for no back-off.', type: "string" },
    notWithNative: true,
    // Core's reason for this one names backoff.maxDelay and backoff.initialDelay; samctl says it in its words.
    refused: (text, reason) => (/must not be below/.test(reason) ? "the maximum is below the initial delay" : `"${text}": ${reason}`),
    sam: (value, flag) => {
      if (value === false) return { backoff: undefined };
      const [initial, maximum, ...rest] = value.split(",");
      if (initial === undefined || maximum === undefined || rest.length > 0) throw new UsageError(`${flag}: "${value}" is not <initial>,<max>, e.g. 100ms,10s`);
      return { backoff: { initialDelay: duration(initial, flag), maxDelay: duration(maximum, flag) } };
    },
  },
  {
    flag: "no-restart-exit-code",
    kind: "text",
    value: "<code>",
    default: "125",
    help: ['an exit code meaning "failed for good": no restart'],
    schema: { type: "integer", ...exitCodes },
    refused: (text) => `"${text}" is not an exit code from ${exitCodes.minimum} to ${exitCodes.maximum}`,
    sam: (text) => ({ noRestartExitCode: integer(text) }),
  },
  {
    flag: "health-cmd",
    kind: "text",
    value: '"<program> [args]"',
    help: ["a probe run every interval / 2: exit 0 is a heartbeat (no shell)"],
    schema: { type: "string" },
    probe: true,
    notWithNative: true,
    run: asProbe(commandProbe),
  },
  {
    flag: "health-file",
    kind: "text",
    value: "<path>",
    help: ["a probe: the file was touched within the last interval (for shell scripts)"],
    schema: { description: "A file the program touches; healthy while modified within the interval.", type: "string", minLength: 1 },
    probe: true,
    notWithNative: true,
    run: asProbe(fileProbe),
  },
  {
    flag: "health-http",
    kind: "text",
    value: "<url>",
    help: ["a probe: GET answered 2xx or 3xx within interval / 2"],
    schema: { type: "string", format: "uri" },
    probe: true,
    notWithNative: true,
    run: asProbe(httpProbe),
  },
  {
    flag: "health-tcp",
    kind: "text",
    value: "<host:port>",
    help: ["a probe: a TCP connection accepted within interval / 2"],
    schema: { type: "string", pattern: `^${hostPortSyntax}$` },
    probe: true,
    notWithNative: true,
    run: asProbe(tcpProbe),
  },
  {
    flag: "backend",
    kind: "text",
    choices: ["fork", "native"],
    default: "fork",
    help: [
      "fork: samctl supervises (default); native: corosync's libsam does, through",
      "sam-agent, which samctl becomes (needs @samkit/backend-native; no probes,",
      "notify protocol, store or status/stop then)",
    ],
    commandLineOnly: true,
    run: (text, options) => (options.backend = text as RunOptions["backend"]),
  },
  {
    flag: "store",
    kind: "text",
    value: "<path>",
    help: ["keep the instance's stored data in a file (needs @samkit/store-file)"],
    schema: { description: "A file for the instance's stored data (@samkit/store-file).", type: "string", minLength: 1 },
    notWithNative: true,
    run: (text, options, flag) => {
      if (text.trim() === "") throw new UsageError(`${flag} needs a file path`);
      options.store = text;
    },
  },
  {
    flag: "quorum",
    kind: "text",
    choices: ["corosync"],
    help: ["start() waits for quorum; losing it recovers at once (needs @samkit/quorum-corosync)"],
    refused: (text) => `"${text}" is not a quorum source samctl knows (corosync)`,
    run: (text, options) => (options.quorum = text as RunOptions["quorum"]),
  },
  {
    flag: "cmap",
    kind: "switch",
    help: ["publish the state in corosync's CMAP (needs @samkit/quorum-corosync)"],
    run: (options) => (options.cmap = true),
  },
  {
    flag: "config",
    kind: "text",
    value: "<path>",
    // samctl reads the file before the options are parsed (its settings become flags).
    help: ["a samkit.config.json or .mjs (default: ./samkit.config.json or .mjs if present)"],
    commandLineOnly: true,
  },
  {
    flag: "name",
    kind: "text",
    value: "<name>",
    help: ["the name samctl status and samctl stop use (default: the command's base name)"],
    schema: { type: "string", pattern: `^${nameSyntax}$` },
    run: (text, options, flag) => (options.name = checkName(text, flag)),
  },
  {
    flag: "log",
    kind: "text",
    choices: ["auto", "text", "json", "none"],
    default: "auto",
    help: ["supervisor events on stderr: text on a terminal, JSON lines otherwise"],
    run: (text, options) => (options.log = text as RunOptions["log"]),
  },
  {
    flag: "help",
    short: "h",
    kind: "switch",
    help: ["this help"],
    commandLineOnly: true,
  },
] as const satisfies readonly RunOption[];

/** `SAMKIT_WARN_SIGNAL` for `warn-signal`. */
export function environmentName(option: RunOption): string {
  return `SAMKIT_${option.flag.toUpperCase().replaceAll("-", "_")}`;
}

/** `warnSignal` for `warn-signal`. */
export function configKey(option: RunOption): string {
  return option.flag.replace(/-(\w)/g, (_, letter: string) => letter.toUpperCase());
}

/** The options a SAMKIT_* variable and a config file can set. */
export function settings(): RunOption[] {
  return runOptionTable.filter((option: RunOption) => !option.commandLineOnly);
}
