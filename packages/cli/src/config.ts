/**
 * Where samctl run's settings come from, strongest first: flags, then SAMKIT_* environment
 * variables, then a config file (samkit.config.json or samkit.config.mjs, or --config), then the
 * defaults. Environment and file become flags placed before the user's, so the user's win. The
 * settings are the option table's (run-option-table.ts).
 */
import { existsSync, readFileSync } from "node:fs";
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

export async function loadConfig(path: string | undefined, cwd = process.cwd()): Promise<{ tokens: string[]; file: string | undefined }> {
  const candidates = path !== undefined ? [resolve(cwd, path)] : [resolve(cwd, "samkit.config.json"), resolve(cwd, "samkit.config.mjs")];
  const file = candidates.find((candidate) => existsSync(candidate));
  if (file === undefined) {
    if (path !== undefined) throw new UsageError(`--config: ${path} does not exist`);
    return { tokens: [], file: undefined };
  }
  let config: unknown;
  try {
    config = file.endsWith(".json") ? JSON.parse(readFileSync(file, "utf8")) : ((await import(pathToFileURL(file).href)) as { default: unknown }).default;
  } catch (error) {
    throw new UsageError(`${file}: cannot be read: ${(error as Error).message.split("\n")[0]}`);
  }
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
