import { SamError, csErrorName } from "@samkit/core";
import type { NativeError } from "./native-binding.js";

const startHint = "Is corosync running? Start it (systemctl start corosync), or check that this process may talk to it (root, or a member of the uidgid configured in corosync.conf).";

/** The one place where the addon's errors become SamErrors with a message that says what to do. */
export function corosyncError(error: unknown, doing: string): SamError {
  if (SamError.isInstance(error)) return error;
  const native = error as NativeError;
  if (typeof native?.csError !== "number") return new SamError("CS_ERR_LIBRARY", `@samkit/quorum-corosync: ${doing}: ${String(native?.message ?? error)}`, { cause: error });
  const name = csErrorName(native.csError);
  // libqb answers CS_ERR_LIBRARY when no daemon listens; CS_ERR_ACCESS when it refuses this user.
  const hint =
    name === "CS_ERR_LIBRARY" || name === "CS_ERR_BAD_HANDLE" ? ` ${startHint}` :
    name === "CS_ERR_ACCESS" || name === "CS_ERR_SECURITY" ? " corosync refused this process: run as root, or add its user or group to uidgid in corosync.conf." :
    name === "CS_ERR_TRY_AGAIN" ? " corosync is busy; it is retried." : "";
  return new SamError(native.csError, `@samkit/quorum-corosync: ${doing}: ${native.call ?? "corosync"} gave ${name}.${hint}`, { cause: error });
}
