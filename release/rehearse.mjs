// The release, rehearsed: in a scratch copy of this checkout, `changeset version` turns the pending
// changesets into versions and changelogs, and `changeset publish` publishes every public package
// (prepack making the native prebuilds) to a throw-away verdaccio on loopback; then the CLI
// README's `npm install -g @samkit/cli` installs from it into a scratch prefix, on a PATH with no
// compiler, and samctl answers --version and --help.
//
//   pnpm release:rehearse [--keep]      (after pnpm build; docs/releasing.md)
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathWithoutCompilers, publicPackages, readmeInstallCommands, repositoryRoot, run, userEnvironment } from "./lib/workspace.mjs";

/** A free TCP port on loopback. @returns {Promise<number>} */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/**
 * Copies the checkout (tracked and new files, as git sees them) with every public package's build
 * output, so the copy publishes what this checkout built.
 * @param {string} destination
 */
function copyCheckout(destination) {
  const files = run("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: repositoryRoot }).stdout.split("\0").filter(Boolean);
  for (const file of files) {
    const source = join(repositoryRoot, file);
    if (!existsSync(source)) continue;
    mkdirSync(dirname(join(destination, file)), { recursive: true });
    cpSync(source, join(destination, file));
  }
  for (const { directory, manifest } of publicPackages()) {
    const relative = directory.slice(repositoryRoot.length + 1);
    if (existsSync(join(directory, "dist"))) cpSync(join(directory, "dist"), join(destination, relative, "dist"), { recursive: true });
    const native = manifest.samkitNative;
    for (const part of Object.keys(native?.parts ?? {})) {
      const built = join(directory, /** @type {{ directory: string }} */ (native).directory, "build", "Release", part);
      if (existsSync(built)) cpSync(built, join(destination, relative, /** @type {{ directory: string }} */ (native).directory, "build", "Release", part));
    }
  }
}

/**
 * Starts verdaccio on loopback with no uplinks, anyone allowed to publish @samkit/*.
 * @param {string} folder
 */
async function startRegistry(folder) {
  const port = await freePort();
  mkdirSync(folder, { recursive: true });
  const config = join(folder, "config.yaml");
  writeFileSync(
    config,
    [
      `storage: ${join(folder, "storage")}`,
      `auth: { htpasswd: { file: ${join(folder, "htpasswd")}, max_users: 10 } }`,
      "uplinks: {}",
      "packages: { '@samkit/*': { access: $all, publish: $authenticated }, '**': { access: $all } }",
      "log: { type: stdout, format: pretty, level: error }",
      "",
    ].join("\n"),
  );
  const verdaccio = join(import.meta.dirname, "node_modules", "verdaccio", "bin", "verdaccio");
  const child = spawn(process.execPath, [verdaccio, "--config", config, "--listen", `127.0.0.1:${port}`], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${port}/`;
  for (let attempt = 0; attempt < 150; attempt++) {
    try {
      if ((await fetch(`${url}-/ping`)).ok) break;
    } catch {
      // Not listening yet.
    }
    if (attempt === 149 || child.exitCode !== null) {
      child.kill("SIGKILL");
      throw new Error(`verdaccio did not start on ${url}:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const response = await fetch(`${url}-/user/org.couchdb.user:rehearsal`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "rehearsal", password: "rehearsal-only" }),
  });
  const { token } = /** @type {{ token: string }} */ (await response.json());
  return { url, token, stop: () => child.kill("SIGTERM") };
}

/**
 * @param {{ keep?: boolean, log?: (line: string) => void }} [options]
 * @returns {Promise<{ version: string, published: Map<string, string>, changelogs: Map<string, string>, samctlVersion: string, samctlHelp: string, scratch: string }>}
 */
export async function rehearseRelease(options = {}) {
  const log = options.log ?? (() => {});
  const scratch = mkdtempSync(join(tmpdir(), "samkit-release-"));
  const copy = join(scratch, "repository");
  const registry = await startRegistry(join(scratch, "registry"));
  try {
    log(`copying the checkout to ${copy}`);
    copyCheckout(copy);
    const env = userEnvironment({ TURBO_TELEMETRY_DISABLED: "1", npm_config_registry: registry.url });
    run("pnpm", ["install", "--offline", "--frozen-lockfile"], { cwd: copy, env });
    log("changeset version");
    run("pnpm", ["exec", "changeset", "version"], { cwd: copy, env });
    const packages = publicPackages(copy);
    const version = packages[0]?.manifest.version ?? "";
    writeFileSync(join(copy, ".npmrc"), `registry=${registry.url}\n//127.0.0.1:${new URL(registry.url).port}/:_authToken=${registry.token}\n`);
    log(`changeset publish to ${registry.url}`);
    run("pnpm", ["exec", "changeset", "publish", "--no-git-tag"], { cwd: copy, env: { ...env, npm_config_git_checks: "false" } });
    /** @type {Map<string, string>} */
    const published = new Map();
    for (const { name } of packages) published.set(name, run("npm", ["view", name, "version", "--registry", registry.url], { cwd: scratch, env }).stdout.trim());
    /** @type {Map<string, string>} */
    const changelogs = new Map(packages.map(({ name, directory }) => [name, existsSync(join(directory, "CHANGELOG.md")) ? readFileSync(join(directory, "CHANGELOG.md"), "utf8") : ""]));
    // The CLI README's global install, as a user runs it, from the rehearsal registry.
    const prefix = join(scratch, "global");
    const userConfig = join(scratch, "user.npmrc");
    writeFileSync(userConfig, `@samkit:registry=${registry.url}\n`);
    const userEnv = userEnvironment({ PATH: pathWithoutCompilers(join(scratch, "bin-without-compilers")), npm_config_userconfig: userConfig });
    const cli = packages.find((item) => item.name === "@samkit/cli");
    const globalInstalls = readmeInstallCommands(readFileSync(join(cli?.directory ?? "", "README.md"), "utf8")).filter((command) => command.global);
    if (globalInstalls.length === 0) throw new Error("the @samkit/cli README has no npm install -g line");
    for (const command of globalInstalls) {
      log(`npm install ${[...command.flags, ...command.names].join(" ")} --prefix ${prefix}`);
      run("npm", ["install", ...command.flags, ...command.names, "--prefix", prefix, "--no-audit", "--no-fund"], { cwd: scratch, env: userEnv });
    }
    const samctl = join(prefix, "bin", "samctl");
    const samctlVersion = run(samctl, ["--version"], { env: userEnv }).stdout;
    const samctlHelp = run(samctl, ["--help"], { env: userEnv }).stdout;
    log(`samctl --version: ${samctlVersion.trim()}`);
    return { version, published, changelogs, samctlVersion, samctlHelp, scratch };
  } finally {
    registry.stop();
    if (!options.keep) rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] === import.meta.filename) {
  const keep = process.argv.includes("--keep");
  rehearseRelease({ keep, log: (line) => process.stdout.write(`release: ${line}\n`) }).then(
    (result) => {
      for (const [name, version] of result.published) process.stdout.write(`release: published ${name}@${version}\n`);
      if (keep) process.stdout.write(`release: kept ${result.scratch}\n`);
    },
    (error) => {
      process.stderr.write(`release: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
