/**
 * Where samctl run's settings come from, strongest first: flags, then SAMKIT_* environment
 * variables, then a config file (samkit.config.json or samkit.config.mjs, or --config), then the
 * defaults. Environment and file become flags placed before the user's, so the user's win.
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { UsageError } from "./usage-error.js";

/** samkit.config.json / samkit.config.mjs (see samkit.config.schema.json). */
export interface SamctlConfig {
  $schema?: string;
  /** A duration such as "2s", or milliseconds. */
  interval?: string | number;
  recovery?: "quit" | "restart";
  warnSignal?: string | number;
  /** "5/10s", or false for no limit. */
  restartLimit?: string | false;
  /** "100ms,10s", or false for no back-off. */
  backoff?: string | false;
  noRestartExitCode?: number;
  name?: string;
  log?: "auto" | "text" | "json" | "none";
  store?: string;
  quorum?: "corosync";
  cmap?: boolean;
  healthCmd?: string;
  healthFile?: string;
  healthHttp?: string;
  healthTcp?: string;
}

/** Typed help for samkit.config.mjs: `export default defineConfig({ interval: "2s" })`. */
export function defineConfig(config: SamctlConfig): SamctlConfig {
  return config;
}

const keys: Record<Exclude<keyof SamctlConfig, "$schema">, { flag: string; env: string; kind: "string" | "number" | "boolean" | "negatable" }> = {
  interval: { flag: "--interval", env: "SAMKIT_INTERVAL", kind: "string" },
  recovery: { flag: "--recovery", env: "SAMKIT_RECOVERY", kind: "string" },
  warnSignal: { flag: "--warn-signal", env: "SAMKIT_WARN_SIGNAL", kind: "string" },
  restartLimit: { flag: "--restart-limit", env: "SAMKIT_RESTART_LIMIT", kind: "negatable" },
  backoff: { flag: "--backoff", env: "SAMKIT_BACKOFF", kind: "negatable" },
  noRestartExitCode: { flag: "--no-restart-exit-code", env: "SAMKIT_NO_RESTART_EXIT_CODE", kind: "number" },
  name: { flag: "--name", env: "SAMKIT_NAME", kind: "string" },
  log: { flag: "--log", env: "SAMKIT_LOG", kind: "string" },
  store: { flag: "--store", env: "SAMKIT_STORE", kind: "string" },
  quorum: { flag: "--quorum", env: "SAMKIT_QUORUM", kind: "string" },
  cmap: { flag: "--cmap", env: "SAMKIT_CMAP", kind: "boolean" },
  healthCmd: { flag: "--health-cmd", env: "SAMKIT_HEALTH_CMD", kind: "string" },
  healthFile: { flag: "--health-file", env: "SAMKIT_HEALTH_FILE", kind: "string" },
  healthHttp: { flag: "--health-http", env: "SAMKIT_HEALTH_HTTP", kind: "string" },
  healthTcp: { flag: "--health-tcp", env: "SAMKIT_HEALTH_TCP", kind: "string" },
};

function tokens(key: keyof typeof keys, value: unknown, source: string): string[] {
  const { flag, kind } = keys[key];
  if (kind === "boolean") {
    if (value === true || value === "1" || value === "true") return [flag];
    if (value === false || value === "0" || value === "false") return [];
    throw new UsageError(`${source}: ${key} must be true or false`);
  }
  if (kind === "negatable" && (value === false || value === "off" || value === "false")) return [`--no-${flag.slice(2)}`];
  if (kind === "number" && !(typeof value === "number" || typeof value === "string")) throw new UsageError(`${source}: ${key} must be a number`);
  if (typeof value !== "string" && typeof value !== "number") throw new UsageError(`${source}: ${key} must be a string${kind === "negatable" ? " or false" : ""}`);
  return [flag, String(value)];
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
    if (!(key in keys)) throw new UsageError(`${file}: unknown setting "${key}" (the settings are ${Object.keys(keys).join(", ")})`);
    result.push(...tokens(key as keyof typeof keys, value, file));
  }
  return { tokens: result, file };
}

export function environmentTokens(env: NodeJS.ProcessEnv = process.env): string[] {
  const result: string[] = [];
  for (const [key, { env: variable }] of Object.entries(keys)) {
    const value = env[variable];
    if (value !== undefined && value !== "") result.push(...tokens(key as keyof typeof keys, value, variable));
  }
  return result;
}
