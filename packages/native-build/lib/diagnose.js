"use strict";
// Why a native part did not load, in words a user can act on: what is missing (the file, a system
// library, a version of one), the apt-get line, and a command that works in the user's project.
const { readdirSync } = require("node:fs");
const { join } = require("node:path");
const { platformTag, glibcVersion } = require("./platform.js");

/** @typedef {import("../index.js").NativeConfig} NativeConfig */
/** @typedef {{ path: string, error: string | undefined }} Attempt */

/** The Debian/Ubuntu package of each system library samkit's parts link against. */
const debianPackageOf = {
  "libsam.so.4": "libsam4",
  "libquorum.so.5": "libquorum5",
  "libcmap.so.4": "libcmap4",
  "libcpg.so.4": "libcpg4",
  "libqb.so.100": "libqb100",
  "libcorosync_common.so.4": "libcorosync-common4",
};

/**
 * The command that builds the parts from source, with everything it needs first.
 * @param {NativeConfig} config
 */
function buildHint(config) {
  const packages = ["g++", "make", "python3", ...(config.pkgConfig.length > 0 ? ["pkg-config"] : []), ...config.buildPackages];
  return `To build it from source: apt-get install ${packages.join(" ")} (Debian/Ubuntu), then in your project: npm rebuild ${config.name} (npm rebuild -g ${config.name} for a global install).`;
}

/** @param {string} directory */
function prebuildPlatforms(directory) {
  try {
    return readdirSync(join(directory, "prebuilds")).sort();
  } catch {
    return [];
  }
}

/**
 * The message for a part none of whose `attempts` worked.
 * @param {NativeConfig} config
 * @param {string} file the part's file name
 * @param {Attempt[]} attempts every place tried, in order, with its error (undefined: not there)
 * @returns {{ reason: "not-built" | "library-missing" | "library-too-old" | "broken", message: string }}
 */
function diagnose(config, file, attempts) {
  const part = config.parts[file];
  const title = part ? `${part.title} (${file})` : file;
  const tried = `\n  Tried:\n  ${attempts.map((attempt) => `${attempt.path}: ${attempt.error ?? "not there"}`).join("\n  ")}`;
  const errors = attempts.map((attempt) => attempt.error).filter((error) => error !== undefined).join("\n");
  if (errors === "") {
    const platforms = prebuildPlatforms(config.packageDirectory);
    const prebuilt = platforms.length > 0 ? `the package has prebuilds for ${platforms.join(", ")} only` : "the package has no prebuilds";
    return {
      reason: "not-built",
      message: `${config.name}: ${title} is not there: there is no prebuild for ${platformTag()} (${prebuilt}) and it was not built from source at install. ${buildHint(config)}${tried}`,
    };
  }
  const missing = /(lib[\w+-]+\.so[.\d]*): cannot open shared object file/.exec(errors);
  if (missing) {
    const soname = /** @type {string} */ (missing[1]);
    const packages = soname in debianPackageOf ? [debianPackageOf[/** @type {keyof typeof debianPackageOf} */ (soname)]] : config.runtimePackages;
    const install = packages.length > 0 ? `Install it: apt-get install ${packages.join(" ")} (Debian/Ubuntu).` : "Install the package that provides it.";
    return { reason: "library-missing", message: `${config.name}: ${title} needs the system library ${soname}, which is not installed. ${install}${tried}` };
  }
  const glibc = /version `GLIBC_([\d.]+)' not found/.exec(errors);
  if (glibc) {
    return {
      reason: "library-too-old",
      message: `${config.name}: ${title} needs glibc ${glibc[1]} or later; this system has glibc ${glibcVersion() ?? "(unknown)"}. ${buildHint(config)}${tried}`,
    };
  }
  const version = /version `([^']+)' not found \(required by [^)]*\)/.exec(errors);
  const library = /([\w+-]+\.so[.\d]*): version `/.exec(errors);
  if (version) {
    const soname = library?.[1] ?? "a system library";
    return {
      reason: "library-too-old",
      message: `${config.name}: ${title} needs ${soname} with version ${version[1]}, which the installed one lacks: upgrade it (apt-get install --only-upgrade ${config.runtimePackages.join(" ") || soname}), or build against it. ${buildHint(config)}${tried}`,
    };
  }
  return {
    reason: "broken",
    message: `${config.name}: ${title} is there but does not load. ${buildHint(config)}${tried}`,
  };
}

module.exports = { diagnose, buildHint, debianPackageOf };
