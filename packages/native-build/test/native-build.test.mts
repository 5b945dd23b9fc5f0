// The build, prebuild and install steps and the loader, on a small package of their own (an addon
// and an executable compiled here), with and without a compiler on PATH.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { includeDirectory, loadAddon, locateExecutable, platformTag, readNativeConfig, type NativePartError } from "../index.js";
import { diagnose } from "../lib/diagnose.js";

const require = createRequire(import.meta.url);
const bin = join(import.meta.dirname, "..", "bin", "samkit-native-build.js");
const fixture = join(import.meta.dirname, "fixtures", "hello-package");
const nodeGyp = require.resolve("node-gyp/bin/node-gyp.js");
const scratch = mkdtempSync(join(tmpdir(), "samkit-native-build-"));
// A PATH with Node and nothing else: no compiler, no make, no python3.
const bare = join(scratch, "bare-bin");
mkdirSync(bare);
symlinkSync(process.execPath, join(bare, "node"));

let packages = 0;
function freshPackage(): string {
  const directory = join(scratch, `package-${++packages}`);
  cpSync(fixture, directory, { recursive: true });
  return directory;
}

function step(directory: string, command: string, env: Record<string, string> = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [bin, command], { cwd: directory, encoding: "utf8", timeout: 120_000, env: { ...process.env, npm_config_node_gyp: nodeGyp, ...env } });
}

let prebuilt: string;
beforeAll(() => {
  prebuilt = freshPackage();
  const built = step(prebuilt, "build");
  expect(built.status, built.stderr).toBe(0);
  const packed = step(prebuilt, "prebuild");
  expect(packed.status, packed.stderr).toBe(0);
  expect(packed.stdout).toBe(`@samkit-test/hello: prebuilds/${platformTag()}: hello.node, hello-tool\n`);
}, 120_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function withPrebuilds(): string {
  const directory = freshPackage();
  cpSync(join(prebuilt, "prebuilds"), join(directory, "prebuilds"), { recursive: true });
  return directory;
}

function caught(action: () => unknown): NativePartError {
  try {
    action();
  } catch (error) {
    return error as NativePartError;
  }
  throw new Error("it did not throw");
}

describe("the loader", () => {
  it("prefers a build from source, then takes the prebuild for this platform", () => {
    expect((loadAddon(prebuilt, "hello.node") as { answer(): number }).answer()).toBe(42);
    expect(locateExecutable(prebuilt, "hello-tool")).toBe(join(prebuilt, "native", "build", "Release", "hello-tool"));
    const directory = withPrebuilds();
    expect((loadAddon(directory, "hello.node") as { answer(): number }).answer()).toBe(42);
    expect(locateExecutable(directory, "hello-tool")).toBe(join(directory, "prebuilds", platformTag(), "hello-tool"));
  });

  it("nothing built and no prebuild for this platform: says so, what to install and what to run", () => {
    const directory = freshPackage();
    mkdirSync(join(directory, "prebuilds", "sunos-sparc"), { recursive: true });
    const error = caught(() => loadAddon(directory, "hello.node"));
    expect(error).toMatchObject({ name: "NativePartError", code: "ERR_SAMKIT_NATIVE", reason: "not-built" });
    expect(error.message).toBe(
      `@samkit-test/hello: the hello addon (hello.node) is not there: there is no prebuild for ${platformTag()} (the package has prebuilds for sunos-sparc only) and it was not built from source at install. ` +
        "To build it from source: apt-get install g++ make python3 libhello-dev (Debian/Ubuntu), then in your project: npm rebuild @samkit-test/hello (npm rebuild -g @samkit-test/hello for a global install).\n" +
        `  Tried:\n  ${join(directory, "native", "build", "Release", "hello.node")}: not there\n  ${join(directory, "prebuilds", platformTag(), "hello.node")}: not there`,
    );
  });

  it("a prebuild whose system library is missing: names the library and its runtime package", () => {
    const directory = freshPackage();
    const folder = join(directory, "prebuilds", platformTag());
    mkdirSync(folder, { recursive: true });
    const compile = (args: string[]) => expect(spawnSync("cc", args, { cwd: folder, encoding: "utf8" }).status).toBe(0);
    writeFileSync(join(folder, "stub.c"), "int hello_stub(void) { return 1; }\n");
    writeFileSync(join(folder, "addon.c"), "extern int hello_stub(void); int probe(void) { return hello_stub(); }\n");
    compile(["-shared", "-fPIC", "-o", "libhello.so.77", "-Wl,-soname,libhello.so.77", "stub.c"]);
    compile(["-shared", "-fPIC", "-o", "hello.node", "addon.c", "-L.", "-l:libhello.so.77"]);
    writeFileSync(join(folder, "tool.c"), "extern int hello_stub(void); int main(void) { return hello_stub(); }\n");
    compile(["-o", "hello-tool", "tool.c", "-L.", "-l:libhello.so.77"]);
    rmSync(join(folder, "libhello.so.77"));
    const error = caught(() => loadAddon(directory, "hello.node"));
    expect(error.reason).toBe("library-missing");
    expect(error.message).toMatch(/^@samkit-test\/hello: the hello addon \(hello\.node\) needs the system library libhello\.so\.77, which is not installed\. Install it: apt-get install libhello1 \(Debian\/Ubuntu\)\.\n {2}Tried:/);
    expect(error.cause).toBeInstanceOf(Error);
    const tool = caught(() => locateExecutable(directory, "hello-tool"));
    expect(tool.reason).toBe("library-missing");
    expect(tool.message).toMatch(/the hello tool \(hello-tool\) needs the system library libhello\.so\.77/);
  });

  it("names corosync's runtime packages, and says what a too-old glibc or library lacks", () => {
    const config = readNativeConfig(fixture);
    const at = [{ path: "/p/hello.node", error: undefined }];
    expect(diagnose(config, "hello.node", [...at, { path: "/q/hello.node", error: "libsam.so.4: cannot open shared object file: No such file or directory" }]).message).toMatch(/needs the system library libsam\.so\.4, which is not installed\. Install it: apt-get install libsam4 /);
    expect(diagnose(config, "hello.node", [{ path: "/q", error: "libqb.so.100: cannot open shared object file" }]).message).toMatch(/apt-get install libqb100 /);
    const glibc = diagnose(config, "hello.node", [{ path: "/q", error: "/lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.99' not found (required by /q/hello.node)" }]);
    expect(glibc).toMatchObject({ reason: "library-too-old", message: expect.stringMatching(/needs glibc 2\.99 or later; this system has glibc \d+\.\d+\. To build it from source: apt-get install g\+\+ make python3 libhello-dev/) });
    const library = diagnose(config, "hello.node", [{ path: "/q", error: "/lib/libhello.so.1: version `HELLO_3' not found (required by /q/hello.node)" }]);
    expect(library.message).toMatch(/needs libhello\.so\.1 with version HELLO_3, which the installed one lacks: upgrade it \(apt-get install --only-upgrade libhello1\)/);
  });

  it("a part that is there but broken: says to rebuild it; an undeclared part or a package without the entry is a plain error", () => {
    const directory = freshPackage();
    mkdirSync(join(directory, "prebuilds", platformTag()), { recursive: true });
    writeFileSync(join(directory, "prebuilds", platformTag(), "hello.node"), "not an ELF file");
    const error = caught(() => loadAddon(directory, "hello.node"));
    expect(error.reason).toBe("broken");
    expect(error.message).toMatch(/is there but does not load\. To build it from source: .*npm rebuild @samkit-test\/hello/);
    expect(() => loadAddon(directory, "other.node")).toThrowError(/declares no native part "other\.node"/);
    writeFileSync(join(directory, "package.json"), JSON.stringify({ name: "x" }));
    expect(() => readNativeConfig(directory)).toThrowError(/package\.json: "samkitNative" is missing/);
  });
});

describe("the install step", () => {
  it("a working prebuild: used, nothing compiled, one line", () => {
    const directory = withPrebuilds();
    const result = step(directory, "install", { PATH: bare });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`@samkit-test/hello: using the prebuilt native parts for ${platformTag()}\n`);
    expect(existsSync(join(directory, "native", "build"))).toBe(false);
  });

  it("no prebuild and a compiler: builds from source; with one, only when asked (npm's --build-from-source)", () => {
    const directory = freshPackage();
    const result = step(directory, "install");
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe("@samkit-test/hello: built the native parts from source\n");
    expect((loadAddon(directory, "hello.node") as { answer(): number }).answer()).toBe(42);
    const asked = withPrebuilds();
    expect(step(asked, "install", { npm_config_build_from_source: "true" }).stdout).toBe("@samkit-test/hello: built the native parts from source\n");
    expect(existsSync(join(asked, "native", "build", "Release", "hello-tool"))).toBe(true);
  }, 120_000);

  it("neither a prebuild nor a compiler: the install succeeds with one line, and the loader explains at first use", () => {
    const directory = freshPackage();
    const result = step(directory, "install", { PATH: bare });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      `@samkit-test/hello: no working prebuild for ${platformTag()}, and no build from source: missing a C compiler (cc), make, python3 (node-gyp runs on it); apt-get install gcc make python3, then npm rebuild @samkit-test/hello\n`,
    );
    expect(caught(() => loadAddon(directory, "hello.node")).reason).toBe("not-built");
  });

  it("a prebuild whose system library is missing: no build is tried (its -dev package would bring the library); one line says what to install", () => {
    const directory = freshPackage();
    const folder = join(directory, "prebuilds", platformTag());
    mkdirSync(folder, { recursive: true });
    cpSync(join(prebuilt, "prebuilds", platformTag(), "hello-tool"), join(folder, "hello-tool"));
    writeFileSync(join(folder, "stub.c"), "int hello_stub(void) { return 1; }\n");
    writeFileSync(join(folder, "addon.c"), "extern int hello_stub(void); int probe(void) { return hello_stub(); }\n");
    expect(spawnSync("cc", ["-shared", "-fPIC", "-o", "libhello.so.77", "-Wl,-soname,libhello.so.77", "stub.c"], { cwd: folder }).status).toBe(0);
    expect(spawnSync("cc", ["-shared", "-fPIC", "-o", "hello.node", "addon.c", "-L.", "-l:libhello.so.77"], { cwd: folder }).status).toBe(0);
    rmSync(join(folder, "libhello.so.77"));
    const result = step(directory, "install");
    expect(result.status).toBe(0);
    expect(result.stdout).toBe("@samkit-test/hello: the hello addon (hello.node) needs the system library libhello.so.77, which is not installed. Install it: apt-get install libhello1 (Debian/Ubuntu).\n");
    expect(existsSync(join(directory, "native", "build"))).toBe(false);
  });

  it("in a checkout (sources present) it leaves the build to the build task; an unknown step is a usage error", () => {
    const directory = freshPackage();
    mkdirSync(join(directory, "src"));
    writeFileSync(join(directory, "tsconfig.json"), "{}");
    const result = step(directory, "install");
    expect([result.status, result.stdout]).toEqual([0, ""]);
    expect(existsSync(join(directory, "native", "build"))).toBe(false);
    const usage = step(directory, "publish");
    expect([usage.status, usage.stderr]).toEqual([2, expect.stringMatching(/^usage: samkit-native-build build \| install \| prebuild/)]);
  });

  it("parts for other platforms only (\"os\"): no step builds them, and one line says there is nothing to build", () => {
    const directory = freshPackage();
    const manifest = JSON.parse(readFileSync(join(directory, "package.json"), "utf8"));
    writeFileSync(join(directory, "package.json"), JSON.stringify({ ...manifest, samkitNative: { ...manifest.samkitNative, os: ["aix"] } }));
    expect(readNativeConfig(directory).os).toEqual(["aix"]);
    for (const command of ["build", "install", "prebuild"]) {
      const result = step(directory, command, { PATH: bare });
      expect([result.status, result.stdout, result.stderr], command).toEqual([0, `@samkit-test/hello: no native parts on ${process.platform} (they are for aix)\n`, ""]);
    }
    expect(existsSync(join(directory, "native", "build"))).toBe(false);
  });

  it("the build task without the tools: says what to install, and fails only where the native parts are required (CI)", () => {
    const directory = freshPackage();
    const relaxed = step(directory, "build", { PATH: bare, SAMKIT_REQUIRE_COROSYNC: "0" });
    expect([relaxed.status, relaxed.stderr]).toEqual([0, "@samkit-test/hello: the native parts are not built: missing a C compiler (cc), make, python3 (node-gyp runs on it).\n  Install (Debian/Ubuntu): apt-get install gcc make python3\n"]);
    expect(step(directory, "build", { PATH: bare, SAMKIT_REQUIRE_COROSYNC: "1" }).status).toBe(1);
  });
});

describe("the C headers the parts share", () => {
  const compiler = spawnSync("cc", ["--version"]).status === 0;
  it.skipIf(!compiler)(`samkit/descendants.h compiles alone, with no warning${compiler ? "" : " (skipped: no cc)"}`, () => {
    const result = spawnSync("cc", ["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-fsyntax-only", "-x", "c", join(includeDirectory, "samkit", "descendants.h")], { encoding: "utf8" });
    expect([result.status, result.stderr]).toEqual([0, ""]);
  });
});
