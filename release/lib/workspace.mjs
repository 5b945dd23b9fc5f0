// What the release step and its tests share: the public packages, packing them as `pnpm publish`
// would, and a machine as a user may have it (no C compiler on PATH).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";

export const repositoryRoot = resolve(import.meta.dirname, "..", "..");

/**
 * @typedef {{ name: string, version: string, private?: boolean, samkitNative?: { directory: string, parts: Record<string, unknown> } }} Manifest
 * @typedef {{ name: string, directory: string, manifest: Manifest }} WorkspacePackage
 */

/** Every package of packages/ that is published, in folder order. @returns {WorkspacePackage[]} */
export function publicPackages(root = repositoryRoot) {
  return readdirSync(join(root, "packages"))
    .map((folder) => join(root, "packages", folder))
    .filter((directory) => existsSync(join(directory, "package.json")))
    .map((directory) => ({ directory, manifest: /** @type {Manifest} */ (JSON.parse(readFileSync(join(directory, "package.json"), "utf8"))) }))
    .filter(({ manifest }) => !manifest.private)
    .map(({ directory, manifest }) => ({ name: manifest.name, directory, manifest }));
}

/**
 * Runs a command to its end; throws with its output when it fails.
 * @param {string} command
 * @param {string[]} args
 * @param {import("node:child_process").SpawnSyncOptions} [options]
 */
export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: "utf8", timeout: 300_000, ...options });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} (in ${String(options.cwd ?? process.cwd())}) ended with ${result.error?.message ?? result.status ?? result.signal}:\n${String(result.stdout)}${String(result.stderr)}`);
  }
  return { stdout: String(result.stdout), stderr: String(result.stderr) };
}

/**
 * `pnpm pack` of every public package into `destination` (prepack makes the native prebuilds).
 * @param {string} destination
 * @returns {Map<string, string>} tarball by package name
 */
export function packAll(destination, root = repositoryRoot) {
  mkdirSync(destination, { recursive: true });
  const tarballs = new Map();
  for (const { name, directory, manifest } of publicPackages(root)) {
    run("pnpm", ["pack", "--pack-destination", destination], { cwd: directory, env: { ...process.env, npm_config_loglevel: "warn" } });
    tarballs.set(name, join(destination, `${name.replace(/^@/, "").replace("/", "-")}-${manifest.version}.tgz`));
  }
  return tarballs;
}

/** The paths inside a tarball, without npm's leading `package/`. @param {string} tarball */
export function tarballEntries(tarball) {
  return run("tar", ["-tzf", tarball]).stdout.split("\n").filter(Boolean).map((entry) => entry.replace(/^package\//, ""));
}

const compiler = /(^|-)(cc|c\+\+|gcc|g\+\+|cpp|clang|clang\+\+|c89|c99|tcc)(-[\d.]+)?$/;

/**
 * A PATH like this one with every C and C++ compiler left out: a folder of links to everything
 * else on it. @param {string} folder created if missing @returns {string}
 */
export function pathWithoutCompilers(folder) {
  mkdirSync(folder, { recursive: true });
  const seen = new Set();
  for (const directory of (process.env.PATH ?? "").split(delimiter)) {
    if (!directory || !existsSync(directory) || !statSync(directory).isDirectory()) continue;
    for (const name of readdirSync(directory)) {
      if (seen.has(name) || compiler.test(name)) continue;
      seen.add(name);
      symlinkSync(join(directory, name), join(folder, name));
    }
  }
  return folder;
}

/**
 * The `npm install` lines of a package README's "## Install" section, as words.
 * @param {string} readme the README's text
 * @returns {{ global: boolean, flags: string[], names: string[] }[]}
 */
export function readmeInstallCommands(readme) {
  const section = /^## Install\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1] ?? "";
  return section
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.startsWith("npm install "))
    .map((line) => {
      const words = line.replace(/#.*$/, "").trim().split(/\s+/).slice(2);
      const flags = words.filter((word) => word.startsWith("-"));
      return { global: flags.includes("-g") || flags.includes("--global"), flags, names: words.filter((word) => !word.startsWith("-")) };
    });
}

/**
 * The given packages and every samkit package they need (dependencies and required peers): what
 * npm would fetch from the registry, which a tarball install must be given.
 * @param {string[]} names
 * @param {WorkspacePackage[]} packages
 */
export function withSamkitDependencies(names, packages = publicPackages()) {
  const byName = new Map(packages.map((item) => [item.name, item]));
  const result = new Set();
  const visit = (/** @type {string} */ name) => {
    if (result.has(name)) return;
    const found = byName.get(name);
    if (!found) throw new Error(`${name} is not a public samkit package`);
    result.add(name);
    const manifest = /** @type {Manifest & { dependencies?: Record<string, string>, peerDependencies?: Record<string, string>, peerDependenciesMeta?: Record<string, { optional?: boolean }> }} */ (found.manifest);
    const peers = Object.keys(manifest.peerDependencies ?? {}).filter((peer) => !manifest.peerDependenciesMeta?.[peer]?.optional);
    for (const dependency of [...Object.keys(manifest.dependencies ?? {}), ...peers]) if (byName.has(dependency)) visit(dependency);
  };
  names.forEach(visit);
  return [...result];
}

/** This environment without npm's and pnpm's own variables, which would configure a user's npm. */
export function userEnvironment(overrides = {}) {
  /** @type {Record<string, string>} */
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(npm_|pnpm_|turbo_)/i.test(key) && key !== "INIT_CWD" && key !== "NODE_OPTIONS") env[key] = value;
  }
  return { ...env, npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false", ...overrides };
}
