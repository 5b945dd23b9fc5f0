// Compiles reference.c against the system's libsam into bench/.build/, only when the source is
// newer than the program, and says what to install when the compiler or libsam-dev is missing.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const source = fileURLToPath(new URL("./reference.c", import.meta.url));
const buildFolder = fileURLToPath(new URL("../../.build/", import.meta.url));
export const referenceProgram = `${buildFolder}libsam-reference`;

function output(command, args) {
  return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

function libsamFlags() {
  try {
    output("pkg-config", ["--version"]);
  } catch {
    throw new Error("libsam bench subject: pkg-config is missing. Install it: apt-get install pkg-config libsam-dev");
  }
  try {
    return output("pkg-config", ["--cflags", "--libs", "libsam"]).split(/\s+/).filter(Boolean);
  } catch {
    throw new Error("libsam bench subject: pkg-config cannot find libsam (corosync's SAM library). Install it: apt-get install libsam-dev (Fedora: dnf install corosynclib-devel)");
  }
}

function checkCompiler() {
  try {
    output("cc", ["--version"]);
  } catch {
    throw new Error("libsam bench subject: no C compiler (cc). Install one: apt-get install build-essential");
  }
}

/**
 * Builds the reference program if the source is newer and returns its path. The tool chain is
 * checked every time, so a machine without it fails here, clearly, rather than mid-run.
 */
export function buildReference() {
  checkCompiler();
  const flags = libsamFlags();
  if (existsSync(referenceProgram) && statSync(referenceProgram).mtimeMs >= statSync(source).mtimeMs) return referenceProgram;
  mkdirSync(buildFolder, { recursive: true });
  try {
    output("cc", ["-O2", "-Wall", "-o", referenceProgram, source, ...flags]);
  } catch (error) {
    throw new Error(`libsam bench subject: compiling ${source} failed:\n${error.stderr ?? error.message}`);
  }
  return referenceProgram;
}
