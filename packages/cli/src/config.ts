/**
 * Where samctl run's settings come from, strongest first: flags, then SAMKIT_* environment
 * variables, then a config file (samkit.config.json or samkit.config.mjs, or --config), then the
 * defaults. Environment and file become flags placed before the user's, so the user's win. The
 * settings are the option table's (run-option-table.ts).
 */
import { closeSync, constants, existsSync, fstatSync, openSync, readSync, type Stats } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { configKey, environmentName, settings, type RunOption, type runOptionTable } from "./run-option-table.js";
import { UsageError } from "./usage-error.js";

type CamelCase<Text extends string> = Text extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : Text;
type JsonType<Type> = Type extends readonly (infer Each)[] ? JsonType<Each> : Type extends "string" ? string : Type extends "integer" ? number : Type extends "boolean" ? boolean : never;
type SettingValue<Option> = Option extends { kind: "switch" }
  ? boolean
  : (Option extends { choices: readonly (infer Choice)[] } ? Choice : Option extends { schema: { type: infer Type } } ? JsonType<Type> : string) | (Option extends { kind: "negatable" } ? false : never);
type Setting = Exclude<(typeof runOptionTable)[number], { commandLineOnly: true }>;

/** samkit.config.json / samkit.config.mjs (see samkit.config.schema.json): the option table's settings. */
export type SamctlConfig = { $schema?: string } & { -readonly [Option in Setting as CamelCase<Option["flag"]>]?: SettingValue<Option> };

/** Typed help for samkit.config.mjs: `export default defineConfig({ interval: "2s" })`. */
export function defineConfig(config: SamctlConfig): SamctlConfig {
  return config;
}

const byKey = new Map(settings().map((option) => [configKey(option), option]));

function expected(option: RunOption): string {
  if (option.kind === "switch") return "true or false";
  if (option.kind === "negatable") return "a string or false";
  return option.schema?.type === "integer" ? "a number" : "a string";
}

function tokens(option: RunOption, value: unknown, source: string): string[] {
  const flag = `--${option.flag}`;
  if (option.kind === "switch") {
    if (value === true || value === "1" || value === "true") return [flag];
    if (value === false || value === "0" || value === "false") return [];
  } else if (option.kind === "negatable" && (value === false || value === "off" || value === "false")) {
    return [`--no-${option.flag}`];
  } else if (typeof value === "string" || typeof value === "number") {
    return [flag, String(value)];
  }
  throw new UsageError(`${source}: ${configKey(option)} must be ${expected(option)}`);
}

/** A config file is read whole, so it may hold at most this many bytes (1 MiB): far more than any config needs. */
export const configSizeLimit = 1024 * 1024;

function kind(stat: Stats): string {
  if (stat.isDirectory()) return "a folder";
  if (stat.isFIFO()) return "a FIFO";
  if (stat.isCharacterDevice()) return "a character device";
  if (stat.isBlockDevice()) return "a block device";
  return stat.isSocket() ? "a socket" : "not a file";
}

/**
 * The bytes of the config file `file`, which must be a regular file of at most configSizeLimit
 * bytes, checked on the open descriptor. O_NONBLOCK: opening a FIFO does not wait for a writer.
 * Reading stops one byte past the limit, so a file that grows meanwhile is refused too.
 */
function readConfigFile(file: string): Buffer {
  const tooLarge = () => new UsageError(`${file}: is larger than 1 MiB, the most a config file may hold`);
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new UsageError(`${file}: cannot be read: ${(error as Error).message}`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new UsageError(`${file}: is not a regular file (${kind(stat)})`);
    if (stat.size > configSizeLimit) throw tooLarge();
    const buffer = Buffer.alloc(configSizeLimit + 1);
    let length = 0;
    let read: number;
    do {
      read = readSync(fd, buffer, length, buffer.length - length, null);
      length += read;
    } while (read > 0 && length < buffer.length);
    if (length > configSizeLimit) throw tooLarge();
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

/** What the config file `file` exports or holds. An .mjs is checked like a .json before it is imported. */
async function configOf(file: string): Promise<unknown> {
  const bytes = readConfigFile(file);
  try {
    return file.endsWith(".json") ? JSON.parse(bytes.toString("utf8")) : ((await import(pathToFileURL(file).href)) as { default: unknown }).default;
  } catch (error) {
    throw new UsageError(`${file}: cannot be read: ${(error as Error).message.split("\n")[0]}`);
  }
}

export async function loadConfig(path: string | undefined, cwd = process.cwd()): Promise<{ tokens: string[]; file: string | undefined }> {
  const candidates = path !== undefined ? [resolve(cwd, path)] : [resolve(cwd, "samkit.config.json"), resolve(cwd, "samkit.config.mjs")];
  const file = candidates.find((candidate) => existsSync(candidate));
  if (file === undefined) {
    if (path !== undefined) throw new UsageError(`--config: ${path} does not exist`);
    return { tokens: [], file: undefined };
  }
  const config = await configOf(file);
  if (typeof config !== "object" || config === null || Array.isArray(config)) throw new UsageError(`${file}: must hold an object of settings`);
  const result: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (key === "$schema") continue;
    const option = byKey.get(key);
    if (option === undefined) throw new UsageError(`${file}: unknown setting "${key}" (the settings are ${[...byKey.keys()].join(", ")})`);
    result.push(...tokens(option, value, file));
  }
  return { tokens: result, file };
}

export function environmentTokens(env: NodeJS.ProcessEnv = process.env): string[] {
  const result: string[] = [];
  for (const option of byKey.values()) {
    const value = env[environmentName(option)];
    if (value !== undefined && value !== "") result.push(...tokens(option, value, environmentName(option)));
  }
  return result;
}
