// The test command (README, .ci/run; `pnpm test` runs it too): builds every package quietly (its
// log only on failure), then runs every test with vitest. Its last line is always the summary
// "Tests: N passed, N failed, N skipped", and its exit code is not 0 when anything failed.
//   node tools/test.mjs [vitest arguments]       e.g. node tools/test.mjs packages/core
// SAMKIT_TEST_ROOT=<folder> runs the vitest project there instead (the command's own test).
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const say = (line) => process.stdout.write(`${line}\n`);
const environment = { ...process.env, TURBO_TELEMETRY_DISABLED: "1" };

if (!process.env.SAMKIT_TEST_ROOT) {
  say("[samkit] building the packages (the build's log appears only if it fails)");
  const started = Date.now();
  const build = spawnSync("pnpm", ["exec", "turbo", "run", "build", "--output-logs=errors-only"], { cwd: root, encoding: "utf8", env: environment });
  if (build.status !== 0) {
    process.stdout.write(`${build.stdout ?? ""}${build.stderr ?? ""}`);
    say("[samkit] the build failed (above): no test ran");
    say("Tests: 0 passed, 1 failed, 0 skipped");
    process.exit(1);
  }
  say(`[samkit] built in ${Math.round((Date.now() - started) / 1000)} s; running the tests`);
}

const args = ["exec", "vitest", "run", ...(process.env.SAMKIT_TEST_ROOT ? ["--root", process.env.SAMKIT_TEST_ROOT] : []), ...process.argv.slice(2)];
const vitest = spawn("pnpm", args, { cwd: root, stdio: "inherit", env: environment });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => vitest.kill(signal));
vitest.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
