// Every public package as a user gets it: packed with `pnpm pack` (the release step makes the
// native prebuilds), installed with npm, by the commands its README gives, into a project outside
// the workspace, with no C compiler on PATH. Then the same install without the prebuilds, once
// with a compiler (built from source) and once without (the install succeeds, first use explains).
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setTestQuorate, testCorosyncAvailability } from "@samkit/conformance";
import { packAll, pathWithoutCompilers, publicPackages, readmeInstallCommands, run, tarballEntries, userEnvironment, withSamkitDependencies } from "../lib/workspace.mjs";

const packages = publicPackages();
const nativePackages = packages.filter((item) => item.manifest.samkitNative);
const systemLibraries = spawnSync("pkg-config", ["--exists", "libsam", "libquorum", "libcmap"]).status === 0;
const required = process.env.SAMKIT_REQUIRE_COROSYNC === "1";
const skipReason = systemLibraries || required ? undefined : "corosync's development files are missing (apt-get install libsam-dev libquorum-dev libcmap-dev libcorosync-common-dev pkg-config): the native packages cannot be packed with their prebuilds";
if (skipReason) process.stdout.write(`[samkit] the tarball tests are skipped: ${skipReason}\n`);
const corosync = await testCorosyncAvailability();
const tag = "linux-x64-glibc";
const fixtures = join(import.meta.dirname, "fixtures");
// The programs samctl's own tests supervise, run here by the installed samctl.
const cliFixtures = ["notify.py", "degrading-server.mjs"].map((file) => join(import.meta.dirname, "..", "..", "packages", "cli", "test", "fixtures", file));

describe.skipIf(skipReason !== undefined)("the published tarballs", () => {
  const scratch = mkdtempSync(join(tmpdir(), "samkit-tarballs-"));
  const noCompiler = pathWithoutCompilers(join(scratch, "bin-without-compilers"));
  let tarballs: Map<string, string>;
  const project = join(scratch, "app");
  let installOutput = "";

  /** `npm install` in `directory`, the names mapped to their tarballs with the samkit packages they need. */
  const npmInstall = (directory: string, flags: string[], names: string[], path: string, sources = tarballs) => {
    const files = withSamkitDependencies(names, packages).map((name) => sources.get(name)!);
    const result = run("npm", ["install", "--foreground-scripts", "--prefer-offline", "--no-audit", "--no-fund", ...flags, ...files], { cwd: directory, env: userEnvironment({ PATH: path }) });
    return `${result.stdout}${result.stderr}`;
  };
  const newProject = (directory: string) => {
    mkdirSync(directory, { recursive: true });
    writeFileSync(join(directory, "package.json"), JSON.stringify({ name: "a-user-project", version: "1.0.0", private: true }, null, 2));
    cpSync(fixtures, directory, { recursive: true });
    for (const file of cliFixtures) cpSync(file, join(directory, basename(file)));
  };
  const inProject = (directory: string, command: string, args: string[], path = noCompiler, extra: Record<string, string> = {}) =>
    spawnSync(command, args, { cwd: directory, encoding: "utf8", timeout: 60_000, env: userEnvironment({ PATH: path, ...extra }) });

  beforeAll(() => {
    tarballs = packAll(join(scratch, "tarballs"));
    newProject(project);
    // The README's install lines, each as a user runs it (the global one is the release rehearsal's).
    for (const item of packages) {
      for (const command of readmeInstallCommands(readFileSync(join(item.directory, "README.md"), "utf8"))) {
        if (!command.global) installOutput += npmInstall(project, command.flags, command.names, noCompiler);
      }
    }
    run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--save-dev", "typescript@5.9.3", "@types/node@20.19.43"], { cwd: project, env: userEnvironment({ PATH: noCompiler }) });
  }, 600_000);
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("carry no tests, fixtures or build intermediates; the native ones carry their prebuilds", () => {
    expect(spawnSync("sh", ["-c", "command -v cc gcc c++ g++"], { env: { PATH: noCompiler } }).stdout.toString()).toBe("");
    for (const item of packages) {
      const entries = tarballEntries(tarballs.get(item.name)!);
      expect(entries, item.name).toContain("package.json");
      expect(entries, item.name).toContain("README.md");
      const unwanted = entries.filter((entry) => /(^|\/)(test|tests|__tests__|fixtures|build|obj\.target|\.deps)\//.test(entry) || /\.(o|a|d|mk|tsbuildinfo|gypi)$/.test(entry) || /\.test\.[cm]?[jt]s$/.test(entry) || /^(src|scripts)\//.test(entry));
      expect(unwanted, item.name).toEqual([]);
      const parts = Object.keys(item.manifest.samkitNative?.parts ?? {});
      for (const part of parts) expect(entries, item.name).toContain(`prebuilds/${tag}/${part}`);
      if (item.name !== "@samkit/native-build") expect(entries, item.name).toEqual(expect.arrayContaining(["dist/index.js", "dist/index.cjs", "dist/index.d.ts", "dist/index.d.cts"]));
    }
  });

  it("install from the README's commands with no compiler: every native package takes its prebuild", () => {
    for (const item of nativePackages) expect(installOutput).toContain(`${item.name}: using the prebuilt native parts for ${tag}`);
    expect(installOutput).not.toMatch(/gyp|no build from source/);
  });

  it("samctl: its version, and a plain program's exit code", () => {
    const version = inProject(project, "npx", ["samctl", "--version"]);
    expect([version.status, version.stdout]).toEqual([0, `${packages.find((item) => item.name === "@samkit/cli")!.manifest.version}\n`]);
    const plain = inProject(project, "npx", ["samctl", "run", "--log", "json", "--", "sh", "-c", "echo plain; exit 3"]);
    expect([plain.status, plain.stdout]).toEqual([3, "plain\n"]);
    expect(plain.stderr).not.toContain("NOTIFY_SOCKET is not offered");
  });

  /** Runs samctl until the program has printed `lines` lines, then stops it; its events and output. */
  const supervise = (args: string[], lines: number) =>
    new Promise<{ stdout: string; events: { type: string; signal?: string; reason?: string; instanceId?: number }[] }>((resolve) => {
      const runtime = mkdtempSync(join(scratch, "runtime-"));
      const child = spawn("npx", ["samctl", "run", "--log", "json", ...args], { cwd: project, env: userEnvironment({ PATH: noCompiler, SAMKIT_RUNTIME_DIR: runtime }), stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk) => {
        stdout += chunk;
        if (stdout.trim().split("\n").length >= lines) child.kill("SIGTERM");
      });
      child.stderr.on("data", (chunk) => (stderr += chunk));
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      child.on("exit", () => {
        clearTimeout(timer);
        resolve({ stdout, events: stderr.split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line)) });
      });
    });

  it("samctl restarts a systemd-notify program whose WATCHDOG=1 stop", async () => {
    const result = await supervise(["--interval", "400ms", "--", "python3", "notify.py", "6"], 2);
    expect(result.stdout).toMatch(/^started, watchdog 400000 us\nstarted, watchdog 400000 us/);
    expect(result.events.find((event) => event.type === "signal")).toMatchObject({ signal: "SIGTERM", reason: "timeout", instanceId: 1 });
  }, 40_000);

  it("samctl restarts an HTTP-probed program whose probe fails", async () => {
    const port = 21_000 + (process.pid % 20_000);
    const result = await supervise(["--interval", "300ms", "--health-http", `http://127.0.0.1:${port}/healthz`, "--", "node", "degrading-server.mjs", String(port)], 2);
    expect(result.stdout).toMatch(/serving on \d+\nserving on \d+/);
    expect(result.events.find((event) => event.type === "signal")).toMatchObject({ signal: "SIGTERM", reason: "timeout", instanceId: 1 });
  }, 40_000);

  it("an ESM app and a CJS app supervise themselves, their data kept by @samkit/store-file", () => {
    for (const app of ["app.mjs", "app.cjs"]) {
      const result = inProject(project, "node", [app, join(scratch, `${app}.data`)]);
      expect([result.status, result.stdout, result.stderr], app).toEqual([0, `instance 2 restored: stored by ${app.endsWith("mjs") ? "ESM" : "CJS"} instance 1\n`, ""]);
    }
  });

  it("the types check under tsc --strict, with NodeNext and with bundler resolution", { timeout: 120_000 }, () => {
    for (const [module, resolution] of [["nodenext", "nodenext"], ["esnext", "bundler"]]) {
      const result = inProject(project, "node", ["node_modules/typescript/bin/tsc", "--strict", "--noEmit", "--types", "node", "--target", "es2022", "--module", module!, "--moduleResolution", resolution!, "types.ts"]);
      expect(result.stdout + result.stderr, `${resolution} resolution`).toBe("");
      expect(result.status).toBe(0);
    }
  });

  it("@samkit/backend-native runs testsam's smoke scenario on the system libsam", () => {
    const result = inProject(project, "npx", ["samkit-scenario", "./native-factory.mjs", "smoke", "300"], noCompiler);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/"event":"instance","time":[\d.]+,"pid":\d+,"instanceId":100/);
  }, 120_000);

  it.skipIf(!corosync.available && !required)(`@samkit/quorum-corosync reports the test corosync's quorum${corosync.available ? "" : ` (skipped: ${corosync.reason})`}`, async () => {
    await setTestQuorate(true);
    const result = inProject(project, "node", ["quorum.mjs"]);
    expect([result.status, result.stdout]).toEqual([0, "quorate: true\n"]);
  });

  describe("without the prebuilds", () => {
    let stripped: Map<string, string>;
    beforeAll(() => {
      stripped = new Map(tarballs);
      for (const item of nativePackages) {
        const folder = join(scratch, "unpacked", item.name.replace("/", "-"));
        mkdirSync(folder, { recursive: true });
        run("tar", ["-xzf", tarballs.get(item.name)!, "-C", folder]);
        rmSync(join(folder, "package", "prebuilds"), { recursive: true });
        const file = join(scratch, "unpacked", `${item.name.replace("/", "-")}.tgz`);
        run("tar", ["-czf", file, "-C", folder, "package"]);
        stripped.set(item.name, file);
      }
    });

    const names = ["@samkit/cli", "@samkit/backend-native", "@samkit/quorum-corosync"];

    it("with a compiler: the install builds every native part from source, and it is used", () => {
      const directory = join(scratch, "from-source");
      newProject(directory);
      const output = npmInstall(directory, [], names, process.env.PATH!, stripped);
      for (const item of nativePackages) expect(output).toContain(`${item.name}: built the native parts from source`);
      const parts = inProject(directory, "node", ["native-parts.mjs"]);
      expect(parts.stdout).toBe(`sam-agent: ${join(directory, "node_modules", "@samkit", "backend-native", "native", "build", "Release", "sam-agent")}\ncorosync addon: function\n`);
      expect(existsSync(join(directory, "node_modules", "@samkit", "backend-fork", "native", "build", "Release", "samkit-guard"))).toBe(true);
      const notify = inProject(directory, "npx", ["samctl", "run", "--", "node", "-e", "console.log(process.env.NOTIFY_SOCKET ? 'offered' : 'not offered')"]);
      expect([notify.status, notify.stdout]).toEqual([0, "offered\n"]);
    }, 300_000);

    it("with no compiler: the install succeeds, says what is missing, and first use explains what to run", () => {
      const directory = join(scratch, "neither");
      newProject(directory);
      const output = npmInstall(directory, [], names, noCompiler, stripped);
      for (const item of nativePackages) {
        expect(output).toContain(`${item.name}: no working prebuild for ${tag}, and no build from source: missing a C compiler (cc)`);
        expect(output).toContain(`then npm rebuild ${item.name}\n`);
      }
      const parts = inProject(directory, "node", ["native-parts.mjs"]);
      expect(parts.stdout).toMatch(/^sam-agent: CS_ERR_LIBRARY: @samkit\/backend-native: sam-agent, the libsam server \(sam-agent\) is not there: there is no prebuild for linux-x64-glibc \(the package has no prebuilds\) and it was not built from source at install\. To build it from source: apt-get install g\+\+ make python3 pkg-config libsam-dev libcorosync-common-dev \(Debian\/Ubuntu\), then in your project: npm rebuild @samkit\/backend-native \(npm rebuild -g @samkit\/backend-native for a global install\)\.\n/);
      expect(parts.stdout).toMatch(/\ncorosync addon: CS_ERR_LIBRARY: @samkit\/quorum-corosync: the corosync addon \(samkit_corosync\.node\) is not there: .* apt-get install g\+\+ make python3 pkg-config libquorum-dev libcmap-dev .*npm rebuild @samkit\/quorum-corosync /);
      const notify = inProject(directory, "npx", ["samctl", "run", "--log", "text", "--", "node", "-e", "console.log(process.env.NOTIFY_SOCKET ? 'offered' : 'not offered')"]);
      expect([notify.status, notify.stdout]).toEqual([0, "not offered\n"]);
      expect(notify.stderr.split("\n")[0]).toMatch(/^samctl [\d:.]+ NOTIFY_SOCKET is not offered \(the systemd notify protocol is off\): @samkit\/cli: the notify-socket addon \(samkit_notify\.node\) is not there: .*apt-get install g\+\+ make python3 \(Debian\/Ubuntu\), then in your project: npm rebuild @samkit\/cli .*\.$/);
      expect(notify.stderr.match(/NOTIFY_SOCKET is not offered/g)).toHaveLength(1);
      // backend-fork without its guard: the program runs all the same, and samctl says why once.
      expect(notify.stderr.match(/error: instances are started without samkit-guard \(@samkit\/backend-fork: .*npm rebuild @samkit\/backend-fork /g)).toHaveLength(1);
      const quorum = inProject(directory, "node", ["quorum.mjs"]);
      expect(quorum.stdout).toMatch(/^CS_ERR_LIBRARY: @samkit\/quorum-corosync: the corosync addon \(samkit_corosync\.node\) is not there/);
    }, 300_000);
  });
});
