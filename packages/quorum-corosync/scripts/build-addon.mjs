// Builds the N-API addon with node-gyp against the system corosync libraries (pkg-config).
// Without them the package still builds its JavaScript, says what to install, and the addon's
// loader explains the same at run time; with SAMKIT_REQUIRE_COROSYNC=1 (CI) that is an error.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const required = process.env.SAMKIT_REQUIRE_COROSYNC === "1";

const pkgConfig = spawnSync("pkg-config", ["--exists", "libquorum", "libcmap"]);
if (pkgConfig.error || pkgConfig.status !== 0) {
  const message =
    "@samkit/quorum-corosync: the corosync development files are missing, so the addon is not built.\n" +
    "  Install them (Debian/Ubuntu): apt-get install corosync libquorum-dev libcmap-dev pkg-config";
  process.stderr.write(`${message}\n`);
  process.exit(required ? 1 : 0);
}

// pnpm does not pass npm's nodedir on, and node-gyp must not download headers: use Node's own.
const args = [require.resolve("node-gyp/bin/node-gyp.js"), "rebuild"];
const prefix = resolve(dirname(process.execPath), "..");
if (!process.env.npm_config_nodedir && existsSync(join(prefix, "include", "node", "node_api.h"))) args.push(`--nodedir=${prefix}`);
const result = spawnSync(process.execPath, args, { stdio: "inherit", cwd: join(packageDir, "addon") });
process.exit(result.status ?? 1);
