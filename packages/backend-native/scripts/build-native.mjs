// Builds sam-agent (linked against the system libsam) and the execve addon with node-gyp.
// Without libsam's development files the package still builds its JavaScript and says what to
// install; the loader explains the same at run time. With SAMKIT_REQUIRE_COROSYNC=1 (CI) it is an error.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const required = process.env.SAMKIT_REQUIRE_COROSYNC === "1";

const pkgConfig = spawnSync("pkg-config", ["--exists", "libsam"]);
if (pkgConfig.error || pkgConfig.status !== 0) {
  process.stderr.write(
    "@samkit/backend-native: libsam's development files are missing, so sam-agent is not built.\n" +
      "  Install them (Debian/Ubuntu): apt-get install libsam-dev libcorosync-common-dev pkg-config\n",
  );
  process.exit(required ? 1 : 0);
}

// pnpm does not pass npm's nodedir on, and node-gyp must not download headers: use Node's own.
const args = [require.resolve("node-gyp/bin/node-gyp.js"), "rebuild"];
const prefix = resolve(dirname(process.execPath), "..");
if (!process.env.npm_config_nodedir && existsSync(join(prefix, "include", "node", "node_api.h"))) args.push(`--nodedir=${prefix}`);
const result = spawnSync(process.execPath, args, { stdio: "inherit", cwd: join(packageDir, "native") });
process.exit(result.status ?? 1);
