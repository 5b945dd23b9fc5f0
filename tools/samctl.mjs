// `pnpm samctl <command>` from a clone: builds samctl and what it loads (turbo, cached; its log is
// shown only when the build fails), then runs it with the arguments, passing signals and the exit code on.
import { spawn, spawnSync } from "node:child_process";
import { constants } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const build = spawnSync("pnpm", ["exec", "turbo", "run", "build", "--filter=@samkit/cli...", "--output-logs=errors-only"], {
  cwd: root,
  encoding: "utf8",
  env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" },
});
if (build.status !== 0) {
  process.stderr.write(`${build.stdout ?? ""}${build.stderr ?? ""}samctl: the build failed (above); run pnpm build to see it whole\n`);
  process.exit(2);
}
const child = spawn(process.execPath, [join(root, "packages", "cli", "dist", "samctl.js"), ...process.argv.slice(2)], { stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? 128 + (signal ? constants.signals[signal] : 0)));
