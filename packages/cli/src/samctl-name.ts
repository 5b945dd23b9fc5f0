/** The name of a running samctl (`--name`), which names its sockets in the runtime folder. */
import { UsageError } from "./usage-error.js";

/** The syntax of a samctl name, for a regular expression or a JSON Schema pattern. */
export const nameSyntax = String.raw`[\w@-][\w.@-]{0,63}`;
const nameExpression = new RegExp(`^${nameSyntax}$`);
const nameLengthLimit = 64;

export function isName(name: string): boolean {
  return nameExpression.test(name);
}

/** `name` when it is a valid name; a usage error for `what` (e.g. `--name`) otherwise. */
export function checkName(name: string, what: string): string {
  if (!isName(name)) throw new UsageError(`${what}: "${name}" may hold letters, digits, . _ - @ (at most ${nameLengthLimit})`);
  return name;
}

/**
 * The name of a samctl given no --name: the command's base name made valid, since the user never
 * typed it. Characters outside the syntax (spaces, non-ASCII letters) become one `-`, it may not
 * start with `.` or `-`, it is cut to the length limit, and `samctl` stands in when no letter or
 * digit is left.
 */
export function nameFromCommand(command: string): string {
  const base = command.split("/").pop() ?? "";
  const name = base
    .replace(/-*[^\w.@-]+-*/g, "-")
    .replace(/^[.-]+/, "")
    .slice(0, nameLengthLimit)
    .replace(/-+$/, "");
  return /[A-Za-z0-9]/.test(name) ? name : "samctl";
}
