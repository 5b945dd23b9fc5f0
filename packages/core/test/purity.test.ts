// Core is the API, the state machine, the errors, the options and the policy engine: nothing in it
// touches a process, a socket or a file. Its built output is loaded, and its whole public API used
// with the reference plugins, in a process where child_process, net, fs, dgram, worker_threads
// (and the like) throw however they are reached, node:os gives only its constants, and
// process.exit and process.kill throw.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url));
const dist = fileURLToPath(new URL("../dist/", import.meta.url));
const source = fileURLToPath(new URL("../src/", import.meta.url));

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? sourceFiles(join(folder, entry.name)) : entry.name.endsWith(".ts") ? [join(folder, entry.name)] : []));
}

describe("core touches no process, socket or file", () => {
  for (const build of ["index.js", "index.cjs"]) {
    it(`dist/${build}: the whole public API runs with the built-ins blocked`, () => {
      const result = spawnSync(process.execPath, ["--import", join(fixtures, "block-builtins.mjs"), join(fixtures, "use-core.mjs"), join(dist, build)], { encoding: "utf8", timeout: 30_000 });
      expect(result.stderr).toBe("");
      expect(result.stdout).toMatch(/^ok: register, data, finalize, SamError, errors, signals, options, engine, policy, constants, health check loop, supervisor plugins\n$/);
      expect(result.status).toBe(0);
    });
  }

  it("the blocking works: a use of fs, of os beyond its constants, or of process.exit is caught", () => {
    const probe = (code: string) => spawnSync(process.execPath, ["--import", join(fixtures, "block-builtins.mjs"), "--input-type=module", "-e", code], { encoding: "utf8" });
    expect(probe('await import("node:fs")').stderr).toMatch(/reached node:fs through import/);
    expect(probe('import { createRequire } from "node:module"; createRequire(import.meta.url)("fs")').stderr).toMatch(/reached fs through require/);
    expect(probe('process.getBuiltinModule("node:os").cpus()').stderr).toMatch(/reached node:os's cpus/);
    expect(probe("process.exit(0)").stderr).toMatch(/reached process\.exit/);
  });

  it("no source file imports a built-in but node:os, or calls process.exit or process.kill; no import cycle", () => {
    const files = sourceFiles(source);
    const graph = new Map<string, string[]>();
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      expect(text, relative(source, file)).not.toMatch(/process\.(exit|kill)\(/);
      expect(text, relative(source, file)).not.toMatch(/from "node:|require\("node:|getBuiltinModule\("node:(?!os")/);
      graph.set(file, [...text.matchAll(/from "(\.[^"]+)\.js"/g)].map((match) => join(file, "..", `${match[1]}.ts`)));
    }
    // Depth-first search for a cycle, type-only imports included.
    const state = new Map<string, "open" | "done">();
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === "done") return;
      if (state.get(file) === "open") throw new Error(`import cycle: ${[...path, file].map((item) => relative(source, item)).join(" -> ")}`);
      state.set(file, "open");
      for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
      state.set(file, "done");
    };
    for (const file of files) visit(file, []);
  });
});
