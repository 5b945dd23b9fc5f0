// Every C file and header of native/src compiles alone, with no warning (as the fuzz test compiles
// frame_reader.h alone): a part that comes to lean on what another part includes or declares is
// caught here, not in the next split. And binding.gyp builds every C file.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { includeDirectory } from "@samkit/native-build";

const native = fileURLToPath(new URL("../native/", import.meta.url));
const files = readdirSync(join(native, "src")).sort();
const cFiles = files.filter((file) => file.endsWith(".c"));
const headers = files.filter((file) => file.endsWith(".h"));
// The addon (exec_addon.c) needs Node's headers: where samkit-native-build finds them, or node-gyp's cache.
const nodeHeaders = [resolve(dirname(process.execPath), "..", "include", "node"), join(homedir(), ".cache", "node-gyp", process.versions.node, "include", "node")].find((folder) =>
  existsSync(join(folder, "node_api.h")),
);

const libsamFlags = spawnSync("pkg-config", ["--cflags", "libsam"], { encoding: "utf8" });
// The headers samkit's parts share (samkit/descendants.h) come from @samkit/native-build, as binding.gyp says.
const flags = ["-Wall", "-Wextra", "-Werror", "-std=gnu11", "-O2", `-I${includeDirectory}`, ...libsamFlags.stdout.trim().split(/\s+/).filter(Boolean)];
const output = mkdtempSync(join(tmpdir(), "samkit-native-sources-"));
afterAll(() => rmSync(output, { recursive: true, force: true }));

function compile(args: string[]) {
  const result = spawnSync("cc", [...flags, ...args], { cwd: join(native, "src"), encoding: "utf8" });
  return { status: result.status, diagnostics: `${result.error?.message ?? ""}${result.stderr}` };
}

describe("native/src, each file alone", () => {
  it("pkg-config knows libsam (libsam-dev)", () => {
    expect(libsamFlags.status, libsamFlags.stderr).toBe(0);
  });

  it.each(cFiles.filter((file) => file !== "exec_addon.c"))("%s compiles with no warning", (file) => {
    const result = compile(["-c", "-o", join(output, `${file}.o`), file]);
    expect(result.diagnostics).toBe("");
    expect(result.status).toBe(0);
  });

  it.skipIf(nodeHeaders === undefined)("exec_addon.c compiles with no warning (needs Node's headers: node_api.h)", () => {
    const result = compile(["-DNAPI_VERSION=8", `-I${nodeHeaders}`, "-fPIC", "-c", "-o", join(output, "exec_addon.c.o"), "exec_addon.c"]);
    expect(result.diagnostics).toBe("");
    expect(result.status).toBe(0);
  });

  it.each(headers)("%s compiles with no warning", (file) => {
    const result = compile(["-fsyntax-only", "-x", "c", file]);
    expect(result.diagnostics).toBe("");
    expect(result.status).toBe(0);
  });

  it("binding.gyp builds every C file, each in one target", () => {
    const gyp = JSON.parse(readFileSync(join(native, "binding.gyp"), "utf8")) as { targets: { sources: string[] }[] };
    const built = gyp.targets.flatMap((target) => target.sources).sort();
    expect(built).toEqual(cFiles.map((file) => `src/${file}`));
  });
});
