"use strict";
// What a build from source needs, found on this machine or named as missing; and node-gyp, run
// with Node's own headers so that it never downloads them.
const { spawnSync } = require("node:child_process");
const { accessSync, constants, existsSync, readdirSync } = require("node:fs");
const { createRequire } = require("node:module");
const { delimiter, dirname, join, resolve } = require("node:path");

/** @typedef {import("../index.js").NativeConfig} NativeConfig */

/** @param {string} name */
function onPath(name) {
  for (const directory of (process.env.PATH ?? "").split(delimiter)) {
    if (!directory) continue;
    try {
      accessSync(join(directory, name), constants.X_OK);
      return true;
    } catch {
      // Not in this directory.
    }
  }
  return false;
}

/** @param {string | undefined} command the first word of $CC or $CXX, else undefined */
function commandOf(command) {
  return command?.trim().split(/\s+/)[0] || undefined;
}

/**
 * What the build needs that this machine lacks, each with the Debian package that brings it.
 * @param {NativeConfig} config
 * @returns {{ what: string, debianPackage: string }[]}
 */
function missingBuildTools(config) {
  /** @type {{ what: string, debianPackage: string }[]} */
  const missing = [];
  const sources = readdirSync(join(config.packageDirectory, config.directory, "src"));
  const cc = commandOf(process.env.CC) ?? "cc";
  if (!onPath(cc) && !existsSync(cc)) missing.push({ what: `a C compiler (${cc})`, debianPackage: "gcc" });
  if (sources.some((file) => /\.(cc|cpp|cxx)$/.test(file))) {
    const cxx = commandOf(process.env.CXX) ?? "c++";
    if (!onPath(cxx) && !existsSync(cxx)) missing.push({ what: `a C++ compiler (${cxx})`, debianPackage: "g++" });
  }
  if (!onPath("make")) missing.push({ what: "make", debianPackage: "make" });
  if (!process.env.npm_config_python && !process.env.PYTHON && !onPath("python3")) missing.push({ what: "python3 (node-gyp runs on it)", debianPackage: "python3" });
  if (config.pkgConfig.length > 0) {
    if (!onPath("pkg-config")) {
      missing.push({ what: "pkg-config", debianPackage: "pkg-config" });
    } else {
      for (const module of config.pkgConfig) {
        if (spawnSync("pkg-config", ["--exists", module]).status !== 0) missing.push({ what: `the development files of ${module} (pkg-config ${module})`, debianPackage: config.buildPackages.join(" ") });
      }
    }
  }
  return missing;
}

/**
 * The node-gyp to run: the package's own (a samkit checkout's dev dependency), else the one the
 * package manager runs install scripts with (npm names it in npm_config_node_gyp; npm and pnpm
 * put one on PATH).
 * @param {string} packageDirectory
 * @returns {string[]} the command and its first arguments
 */
function nodeGypCommand(packageDirectory) {
  try {
    return [process.execPath, createRequire(join(packageDirectory, "package.json")).resolve("node-gyp/bin/node-gyp.js")];
  } catch {
    // An installed package: no dev dependencies.
  }
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return /\.[cm]?js$/.test(fromNpm) ? [process.execPath, fromNpm] : [fromNpm];
  return ["node-gyp"];
}

/**
 * `node-gyp rebuild` in the package's gyp directory, its output on this process's stderr (stdout
 * is left for the caller's one line). Returns the exit status (1 when node-gyp cannot be run).
 * @param {NativeConfig} config
 */
function nodeGypRebuild(config) {
  const args = ["rebuild"];
  // pnpm does not pass npm's nodedir on, and node-gyp must not download headers: use Node's own.
  const prefix = resolve(dirname(process.execPath), "..");
  if (!process.env.npm_config_nodedir && existsSync(join(prefix, "include", "node", "node_api.h"))) args.push(`--nodedir=${prefix}`);
  const [command, ...first] = nodeGypCommand(config.packageDirectory);
  const result = spawnSync(/** @type {string} */ (command), [...first, ...args], { stdio: ["ignore", 2, 2], cwd: join(config.packageDirectory, config.directory) });
  if (result.error) {
    process.stderr.write(`${config.name}: cannot run node-gyp (${result.error.message}); npm and pnpm bring one, or: npm install -g node-gyp\n`);
    return 1;
  }
  return result.status ?? 1;
}

module.exports = { missingBuildTools, nodeGypRebuild, onPath };
