import { SamError } from "../sam-error.js";

/** The contract version every plugin of this major of @samkit/core implements. */
export const specificationVersion = "v1" as const;
export type SpecificationVersion = typeof specificationVersion;

/**
 * Checks a plugin at the boundary (createSam, initialize), so a plugin written for another
 * contract version fails at once with a clear message instead of misbehaving later.
 */
export function assertPlugin<T extends object>(
  value: unknown,
  kind: string,
  option: string,
  methods: readonly (keyof T & string)[],
): asserts value is T {
  if (typeof value !== "object" || value === null) {
    throw new SamError("CS_ERR_INVALID_PARAM", `@samkit/core: ${option} must be a ${kind} object; got ${value === null ? "null" : typeof value}`);
  }
  const version = (value as { specificationVersion?: unknown }).specificationVersion;
  if (version !== specificationVersion) {
    throw new SamError(
      "CS_ERR_VERSION",
      `@samkit/core: ${option} implements ${kind} specification ${JSON.stringify(version)}, but this @samkit/core supports '${specificationVersion}'. Install versions of the plugin and @samkit/core from the same release.`,
    );
  }
  for (const method of methods) {
    if (typeof (value as Record<string, unknown>)[method] !== "function") {
      throw new SamError("CS_ERR_INVALID_PARAM", `@samkit/core: ${option} is not a complete ${kind}: it has no ${method}() method`);
    }
  }
}

/**
 * Marks a QuorumSource or StatePublisher as corosync's own (`@samkit/quorum-corosync`): a backend
 * whose supervisor is libsam (backend-native) hands its work to libsam's QUORUM or CMAP flag.
 * A symbol, not a name: a user's plugin may be called anything.
 */
export const corosyncPlugin: unique symbol = Symbol.for("samkit.corosync-plugin") as never;
