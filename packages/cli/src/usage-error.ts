/** A mistake on the command line: samctl prints the one-line reason and exits 2. */
export class UsageError extends Error {
  override name = "UsageError";
}
