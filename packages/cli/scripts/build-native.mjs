// Builds the notify-socket addon (Unix datagram sockets, which Node lacks) with node-gyp.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
// pnpm does not pass npm's nodedir on, and node-gyp must not download headers: use Node's own.
const args = [require.resolve("node-gyp/bin/node-gyp.js"), "rebuild"];
const prefix = resolve(dirname(process.execPath), "..");
if (!process.env.npm_config_nodedir && existsSync(join(prefix, "include", "node", "node_api.h"))) args.push(`--nodedir=${prefix}`);
const result = spawnSync(process.execPath, args, { stdio: "inherit", cwd: join(packageDir, "native") });
process.exit(result.status ?? 1);
