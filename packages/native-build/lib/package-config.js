"use strict";
// What a native package declares in its package.json under "samkitNative": one source for the
// build, the prebuild, the install step and the loader's messages.
const { readFileSync } = require("node:fs");
const { join } = require("node:path");

/** @typedef {import("../index.js").NativeConfig} NativeConfig */

/**
 * Reads and checks `<packageDirectory>/package.json`'s "samkitNative" entry.
 * @param {string} packageDirectory
 * @returns {NativeConfig}
 */
function readNativeConfig(packageDirectory) {
  const file = join(packageDirectory, "package.json");
  const manifest = JSON.parse(readFileSync(file, "utf8"));
  const entry = manifest.samkitNative;
  const fail = (/** @type {string} */ what) => {
    throw new Error(`@samkit/native-build: ${file}: "samkitNative" ${what}`);
  };
  if (typeof entry !== "object" || entry === null) fail("is missing: it names the gyp directory and the native parts");
  if (typeof entry.directory !== "string" || entry.directory === "") fail("needs \"directory\", the folder that holds binding.gyp");
  if (typeof entry.parts !== "object" || entry.parts === null || Object.keys(entry.parts).length === 0) fail("needs \"parts\", the files node-gyp builds");
  /** @type {NativeConfig["parts"]} */
  const parts = {};
  for (const [file, part] of Object.entries(entry.parts)) {
    if (part?.kind !== "addon" && part?.kind !== "executable") fail(`parts["${file}"].kind must be "addon" or "executable"`);
    if (typeof part.title !== "string") fail(`parts["${file}"].title must say what the part is`);
    parts[file] = { kind: part.kind, title: part.title, check: Array.isArray(part.check) ? part.check.map(String) : [] };
  }
  const strings = (/** @type {unknown} */ value) => (Array.isArray(value) ? value.map(String) : []);
  return {
    name: String(manifest.name),
    packageDirectory,
    directory: entry.directory,
    parts,
    pkgConfig: strings(entry.pkgConfig),
    buildPackages: strings(entry.buildPackages),
    runtimePackages: strings(entry.runtimePackages),
    os: strings(entry.os),
  };
}

module.exports = { readNativeConfig };
