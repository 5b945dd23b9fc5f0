// Compiles reference.c against the system's libsam into bench/.build/, only when the source is
// newer than the program, and says what to install when the compiler or libsam-dev is missing.
import { fileURLToPath } from "node:url";
import { buildC, output } from "../../lib/build-c.mjs";

const source = fileURLToPath(new URL("./reference.c", import.meta.url));

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

/** Builds the reference program if the source is newer and returns its path. */
export function buildReference() {
  return buildC(source, "libsam-reference", libsamFlags(), "libsam bench subject");
}
