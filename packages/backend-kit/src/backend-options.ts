import { SamError } from "@samkit/core";

/**
 * The start of a backend factory's check of its options: an object (or nothing), with no key the
 * backend does not know. Returns the maker of the CS_ERR_INVALID_PARAM errors for the rest.
 */
export function checkOptionKeys(packageName: string, factory: string, options: unknown, known: readonly string[]): (message: string) => SamError {
  const invalid = (message: string) => new SamError("CS_ERR_INVALID_PARAM", `${packageName}: ${message}`);
  if (typeof options !== "object" || options === null) throw invalid(`${factory}() takes an options object or nothing`);
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw invalid(`${factory}() has no option ${JSON.stringify(key)}; the options are ${known.join(", ")}`);
  }
  return invalid;
}
