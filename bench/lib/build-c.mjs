// Compiles one C source of the bench into bench/.build/, only when the source is newer than the
// program, and says what to install when the compiler is missing.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const buildFolder = fileURLToPath(new URL("../.build/", import.meta.url));

export function output(command, args) {
  return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

/**
 * Builds `source` (a path) as bench/.build/`name` with `flags` after it, unless the program is
 * newer, and returns the program's path. `what` names the caller in errors. The compiler is
 * checked every time, so a machine without one fails here, clearly, rather than mid-run.
 */
export function buildC(source, name, flags = [], what = "bench") {
  try {
    output("cc", ["--version"]);
  } catch {
    throw new Error(`${what}: no C compiler (cc). Install one: apt-get install build-essential`);
  }
  const program = `${buildFolder}${name}`;
  if (existsSync(program) && statSync(program).mtimeMs >= statSync(source).mtimeMs) return program;
  mkdirSync(buildFolder, { recursive: true });
  try {
    output("cc", ["-O2", "-Wall", "-o", program, source, ...flags]);
  } catch (error) {
    throw new Error(`${what}: compiling ${source} failed:\n${error.stderr ?? error.message}`);
  }
  return program;
}
