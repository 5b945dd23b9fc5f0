"use strict";
// The prebuild folder a machine takes: prebuilds/<platform>-<arch>[-<libc>]/, as prebuildify names
// its platform folders, with the C library in the name because a glibc build does not load on musl.
const { existsSync } = require("node:fs");

/** @returns {string} e.g. linux-x64-glibc */
function platformTag() {
  if (process.platform !== "linux") return `${process.platform}-${process.arch}`;
  // The test node-gyp-build uses: cheap, where process.report would cost milliseconds at every load.
  return `linux-${process.arch}-${existsSync("/etc/alpine-release") ? "musl" : "glibc"}`;
}

/** The running C library's version ("2.36"), or undefined off glibc. Only for messages: it is slow. */
function glibcVersion() {
  const report = /** @type {{ header?: { glibcVersionRuntime?: string } } | undefined} */ (process.report?.getReport());
  return report?.header?.glibcVersionRuntime;
}

module.exports = { platformTag, glibcVersion };
