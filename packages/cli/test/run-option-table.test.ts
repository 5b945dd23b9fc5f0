// The option table is the one source: every form of an option follows from its entry.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveOptions } from "@samkit/core";
import { describe, expect, it } from "vitest";
import { configSchema, configSchemaText } from "../src/config-schema.js";
import { defineConfig, environmentTokens, loadConfig, type SamctlConfig } from "../src/config.js";
import { configKey, environmentName, exitCodes, runOptionTable, settings, type RunOption } from "../src/run-option-table.js";
import { parseRunOptions, runUsage, type RunOptions } from "../src/run-options.js";

const table: readonly RunOption[] = runOptionTable;
const sorted = (names: Iterable<string>) => [...names].sort();

describe("each option is one entry of the table", () => {
  it("the usage text lists every flag of the table, and no other", () => {
    const shown = [...runUsage.matchAll(/^ {2}(?:-\w, )?--([\w-]+)/gm)].map((match) => match[1]!);
    const flags = table.flatMap((option) => (option.kind === "negatable" ? [option.flag, `no-${option.flag}`] : [option.flag]));
    expect(sorted(shown)).toEqual(sorted(flags));
  });

  it("the usage text names the SAMKIT_* variable of every setting, and no other", () => {
    const named = new Set(runUsage.match(/SAMKIT_[A-Z_]+/g));
    expect(sorted(named)).toEqual(sorted(settings().map(environmentName)));
  });

  it("every setting is read from its SAMKIT_* variable as its flag; other variables are not", () => {
    for (const option of settings()) {
      const value = option.kind === "switch" ? "1" : "x";
      expect(environmentTokens({ [environmentName(option)]: value })[0], environmentName(option)).toBe(`--${option.flag}`);
    }
    const commandLineOnly = table.filter((option) => option.commandLineOnly).map(environmentName);
    expect(environmentTokens(Object.fromEntries(commandLineOnly.map((name) => [name, "x"])))).toEqual([]);
  });

  it("the config file takes every setting's key, as its flag, and no other key", async () => {
    const folder = mkdtempSync(join(tmpdir(), "samkit-table-"));
    try {
      for (const option of settings()) {
        writeFileSync(join(folder, "samkit.config.json"), JSON.stringify({ [configKey(option)]: option.kind === "switch" ? true : "x" }));
        expect((await loadConfig(undefined, folder)).tokens[0], configKey(option)).toBe(`--${option.flag}`);
      }
      writeFileSync(join(folder, "samkit.config.json"), JSON.stringify({ nothing: 1 }));
      const listed = await loadConfig(undefined, folder).catch((error: Error) => error.message);
      expect(sorted(String(listed).replace(/^.*the settings are (.*)\)$/, "$1").split(", "))).toEqual(sorted(settings().map(configKey)));
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("the JSON Schema has a property for every setting, and no other", () => {
    const properties = configSchema().properties as Record<string, unknown>;
    expect(sorted(Object.keys(properties))).toEqual(sorted(["$schema", ...settings().map(configKey)]));
  });

  it("the committed samkit.config.schema.json is the one the table makes (pnpm build writes it)", () => {
    expect(readFileSync(new URL("../samkit.config.schema.json", import.meta.url), "utf8")).toBe(configSchemaText());
  });

  it("parseArgs knows every flag", () => {
    for (const option of table) {
      const args = option.kind === "switch" ? [`--${option.flag}`] : [`--${option.flag}=x`];
      expect(() => parseRunOptions([...args, "--", "true"]), option.flag).not.toThrow(/Unknown option/);
    }
  });

  it("defineConfig takes every setting, typed", () => {
    type Keys = Exclude<keyof SamctlConfig, "$schema">;
    const keys: Keys[] = settings().map((option) => configKey(option) as Keys);
    const config = defineConfig({ interval: "2s", recovery: "quit", restartLimit: false, noRestartExitCode: 3, cmap: true, log: "json" });
    // @ts-expect-error: recovery is quit or restart
    defineConfig({ recovery: "reboot" });
    // @ts-expect-error: no such setting
    defineConfig({ intervall: "2s" });
    expect(keys).toHaveLength(settings().length);
    expect(config.interval).toBe("2s");
  });
});

describe("values core validates are refused by core, named by their flag", () => {
  const refused = (...args: string[]) => {
    try {
      parseRunOptions([...args, "--", "true"]);
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error(`${args.join(" ")} was accepted`);
  };
  const parsed = (...args: string[]) => parseRunOptions([...args, "--", "true"]) as RunOptions;

  it.each([
    [["--interval", "1000h"], /^--interval: "1000h": interval must be an integer number of milliseconds from 0 to 2147483647/],
    [["--restart-limit", "2000000/1s"], /^--restart-limit: "2000000\/1s": restartLimit\.count must be an integer from 0 to 1000000/],
    [["--restart-limit", "5/0"], /^--restart-limit: "5\/0": restartLimit\.window must be/],
    [["--backoff", "1s,1000h"], /^--backoff: "1s,1000h": backoff\.maxDelay must be/],
    [["--backoff", "2s,1s"], /^--backoff: the maximum is below the initial delay$/],
    [["--recovery", "reboot"], /^--recovery: "reboot" is neither quit nor restart$/],
    [["--warn-signal", "0"], /^--warn-signal: "0" is not a signal/],
    [["--interval", "2s", "--warn-signal", "SIGFOO"], /^--warn-signal: "SIGFOO" is not a signal/],
  ])("%j", (args, reason) => {
    expect(refused(...args)).toMatch(reason);
  });

  it("a signal by name or number, as core takes it", () => {
    expect(parsed("--warn-signal", "15").sam.warnSignal).toBe(15);
    expect(parsed("--warn-signal", "usr2").sam.warnSignal).toBe("usr2");
  });

  it("the exit-code range samctl names is core's", () => {
    for (const code of [exitCodes.minimum, exitCodes.maximum]) {
      expect(parsed("--no-restart-exit-code", String(code)).sam.noRestartExitCode).toBe(code);
      expect(() => resolveOptions({ interval: 0, recovery: "restart", noRestartExitCode: code })).not.toThrow();
    }
    for (const code of [exitCodes.minimum - 1, exitCodes.maximum + 1]) {
      expect(refused("--no-restart-exit-code", String(code))).toBe(`--no-restart-exit-code: "${code}" is not an exit code from 1 to 255`);
    }
  });

  it("the defaults: restart limit 5/10s, back-off 100ms,10s, no-restart exit code 125", () => {
    expect(parsed().sam).toEqual({ interval: 0, recovery: "restart", warnSignal: "SIGTERM", restartLimit: { count: 5, window: 10_000 }, backoff: { initialDelay: 100, maxDelay: 10_000 }, noRestartExitCode: 125 });
    expect(parsed()).toMatchObject({ log: "auto", backend: "fork", cmap: false, name: "true" });
  });
});
