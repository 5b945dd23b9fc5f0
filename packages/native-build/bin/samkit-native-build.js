#!/usr/bin/env node
"use strict";
// samkit-native-build build | install | prebuild, run in a native package's folder:
//   build     the repository's build task: node-gyp from source (a missing system library is a
//             message, or an error with SAMKIT_REQUIRE_COROSYNC=1, as in CI)
//   install   the package's install script: use the prebuild for this platform when it works,
//             else build from source when the tools are there; never fails the install (the
//             loader explains at first use), and says in one line what is missing
//   prebuild  the release step (prepack): the built parts, copied to prebuilds/<platform>/
const { spawnSync } = require("node:child_process");
const { chmodSync, copyFileSync, existsSync, mkdirSync, rmSync, statSync } = require("node:fs");
const { join } = require("node:path");
const { readNativeConfig } = require("../lib/package-config.js");
const { platformTag } = require("../lib/platform.js");
const { diagnose } = require("../lib/diagnose.js");
const { missingBuildTools, nodeGypRebuild } = require("../lib/toolchain.js");
const { checkExecutable } = require("../index.js");

/** @typedef {import("../index.js").NativeConfig} NativeConfig */

/** @param {string} line */
function say(line) {
  process.stdout.write(`${line}\n`);
}

/**
 * The error text of loading or checking one part at `path` in a fresh process, or undefined.
 * @param {NativeConfig} config
 * @param {string} file
 * @param {string} path
 */
function tryPart(config, file, path) {
  if (!existsSync(path)) return "not there";
  if (config.parts[file]?.kind === "executable") return checkExecutable(path, config.parts[file]?.check ?? []);
  const result = spawnSync(process.execPath, ["-e", `require(${JSON.stringify(path)})`], { encoding: "utf8", timeout: 30_000 });
  if (result.status === 0) return undefined;
  return (result.stderr.split("\n").find((line) => /^Error:/.test(line)) ?? result.stderr).trim();
}

/** @param {NativeConfig} config */
function build(config) {
  const required = process.env.SAMKIT_REQUIRE_COROSYNC === "1";
  const missing = missingBuildTools(config);
  if (missing.length > 0) {
    process.stderr.write(`${config.name}: the native parts are not built: missing ${missing.map((item) => item.what).join(", ")}.\n  Install (Debian/Ubuntu): apt-get install ${[...new Set(missing.map((item) => item.debianPackage))].join(" ")}\n`);
    return required ? 1 : 0;
  }
  return nodeGypRebuild(config);
}

/** @param {NativeConfig} config */
function install(config) {
  // A samkit checkout (sources present): the build task compiles the parts, and turbo caches them.
  if (existsSync(join(config.packageDirectory, "src")) && existsSync(join(config.packageDirectory, "tsconfig.json"))) return 0;
  const tag = platformTag();
  const files = Object.keys(config.parts);
  const fromSource = process.env.npm_config_build_from_source === "true" || process.env.SAMKIT_BUILD_FROM_SOURCE === "1";
  if (!fromSource && existsSync(join(config.packageDirectory, "prebuilds", tag))) {
    const attempts = files.map((file) => {
      const path = join(config.packageDirectory, "prebuilds", tag, file);
      return { file, path, error: tryPart(config, file, path) };
    });
    const failed = attempts.find((attempt) => attempt.error !== undefined);
    if (!failed) {
      say(`${config.name}: using the prebuilt native parts for ${tag}`);
      return 0;
    }
    const { reason, message } = diagnose(config, failed.file, [{ path: failed.path, error: failed.error }]);
    // The -dev packages a build needs bring the runtime library too: without it, there is no build either.
    if (reason === "library-missing") {
      say(message.split("\n")[0] ?? message);
      return 0;
    }
    process.stderr.write(`${message}\n`);
  }
  const missing = missingBuildTools(config);
  const why = fromSource ? "building from source as asked" : `no working prebuild for ${tag}`;
  if (missing.length > 0) {
    say(`${config.name}: ${why}, and no build from source: missing ${missing.map((item) => item.what).join(", ")}; apt-get install ${[...new Set(missing.map((item) => item.debianPackage))].join(" ")}, then npm rebuild ${config.name}`);
    return 0;
  }
  if (nodeGypRebuild(config) !== 0) {
    say(`${config.name}: ${why}, and the build from source failed (node-gyp's output above); the package installs, and says what is missing when it is used`);
    return 0;
  }
  say(`${config.name}: built the native parts from source`);
  return 0;
}

/** @param {NativeConfig} config */
function prebuild(config) {
  const files = Object.keys(config.parts);
  const built = (/** @type {string} */ file) => join(config.packageDirectory, config.directory, "build", "Release", file);
  if (files.some((file) => !existsSync(built(file)))) {
    const status = nodeGypRebuild(config);
    if (status !== 0) return status;
  }
  const tag = platformTag();
  const folder = join(config.packageDirectory, "prebuilds", tag);
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  for (const file of files) {
    copyFileSync(built(file), join(folder, file));
    chmodSync(join(folder, file), statSync(built(file)).mode & 0o777);
  }
  say(`${config.name}: prebuilds/${tag}: ${files.join(", ")}`);
  return 0;
}

const commands = { build, install, prebuild };
const command = process.argv[2];
if (command !== "build" && command !== "install" && command !== "prebuild") {
  process.stderr.write("usage: samkit-native-build build | install | prebuild (in a package folder whose package.json has \"samkitNative\")\n");
  process.exit(2);
}
const config = readNativeConfig(process.cwd());
// A package that works everywhere but has parts for some platforms only (backend-fork's guard):
// elsewhere there is nothing to build, and nothing is missing.
if (config.os.length > 0 && !config.os.includes(process.platform)) say(`${config.name}: no native parts on ${process.platform} (they are for ${config.os.join(", ")})`);
else process.exitCode = commands[command](config);
