"use strict";
// The one loader for samkit's native parts. A part is looked for where a build from source puts it
// (<directory>/build/Release), then in the prebuilds the package ships (prebuilds/<platform>/);
// when none works, the error says what is missing and what to run (lib/diagnose.js).
const { spawnSync } = require("node:child_process");
const { accessSync, chmodSync, constants, existsSync, statSync } = require("node:fs");
const { join } = require("node:path");
const { readNativeConfig } = require("./lib/package-config.js");
const { platformTag } = require("./lib/platform.js");
const { diagnose } = require("./lib/diagnose.js");

class NativePartError extends Error {
  /**
   * @param {string} message
   * @param {import("./index.js").NativePartError["reason"]} reason
   * @param {unknown} cause
   */
  constructor(message, reason, cause) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "NativePartError";
    this.code = "ERR_SAMKIT_NATIVE";
    this.reason = reason;
  }
}

/**
 * Where a part may be, in the order tried.
 * @param {import("./index.js").NativeConfig} config
 * @param {string} file
 */
function partCandidates(config, file) {
  return [join(config.packageDirectory, config.directory, "build", "Release", file), join(config.packageDirectory, "prebuilds", platformTag(), file)];
}

/**
 * @param {import("./index.js").NativeConfig} config
 * @param {string} file
 */
function partOf(config, file) {
  const part = config.parts[file];
  if (!part) throw new Error(`@samkit/native-build: ${config.name} declares no native part "${file}" in package.json's "samkitNative"`);
  return part;
}

/**
 * @param {string} packageDirectory
 * @param {string} file
 * @param {{ path?: string }} [options]
 */
function loadAddon(packageDirectory, file, options = {}) {
  const config = readNativeConfig(packageDirectory);
  partOf(config, file);
  /** @type {{ path: string, error: string | undefined }[]} */
  const attempts = [];
  let lastError;
  for (const path of options.path === undefined ? partCandidates(config, file) : [options.path]) {
    if (!existsSync(path)) {
      attempts.push({ path, error: undefined });
      continue;
    }
    try {
      return require(path);
    } catch (error) {
      lastError = error;
      attempts.push({ path, error: error instanceof Error ? error.message : String(error) });
    }
  }
  const { reason, message } = diagnose(config, file, attempts);
  throw new NativePartError(message, reason, lastError);
}

/**
 * Gives an executable part back the mode `pnpm pack` takes from every file that is not a `bin`
 * (its tarballs hold 0644). Where the package folder is not writable, the check then says EACCES.
 * @param {string} path
 */
function makeExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
  } catch {
    try {
      chmodSync(path, statSync(path).mode | 0o111);
    } catch {
      // Read-only: the check reports it.
    }
  }
}

/**
 * Runs an executable part's check (its declared arguments; exit 0 is a pass). Returns the error
 * text, or undefined when it passed.
 * @param {string} path
 * @param {string[]} check
 */
function checkExecutable(path, check) {
  makeExecutable(path);
  const result = spawnSync(path, check, { encoding: "utf8", timeout: 10_000 });
  if (result.status === 0) return undefined;
  return `${result.error?.message ?? ""}${result.stderr ?? ""}`.trim() || `exit code ${String(result.status ?? result.signal)}`;
}

/**
 * @param {string} packageDirectory
 * @param {string} file
 * @param {{ path?: string }} [options]
 */
function locateExecutable(packageDirectory, file, options = {}) {
  const config = readNativeConfig(packageDirectory);
  const part = partOf(config, file);
  /** @type {{ path: string, error: string | undefined }[]} */
  const attempts = [];
  for (const path of options.path === undefined ? partCandidates(config, file) : [options.path]) {
    if (!existsSync(path)) {
      attempts.push({ path, error: undefined });
      continue;
    }
    const error = checkExecutable(path, part.check);
    if (error === undefined) return path;
    attempts.push({ path, error });
  }
  const { reason, message } = diagnose(config, file, attempts);
  throw new NativePartError(message, reason, undefined);
}

/** The C headers samkit's parts share, for a binding.gyp: `<!(node -p "require('@samkit/native-build').includeDirectory")`. */
const includeDirectory = join(__dirname, "include");

module.exports = { loadAddon, locateExecutable, NativePartError, readNativeConfig, platformTag, partCandidates, checkExecutable, includeDirectory };
