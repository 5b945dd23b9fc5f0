import { describe, it } from "vitest";
import { backendSuite, corosyncBackendSuite } from "@samkit/conformance";

const factory = new URL("./native-backend-factory.mjs", import.meta.url);
backendSuite({ describe, it }, factory, {
  name: "backend-native conformance",
  // libsam's sam_mark_failed needs the CMAP flag (CS_ERR_INVALID_PARAM without it); the CMAP run of the corosync suite covers it.
  skip: [
    "mark failed",
    "mark failed, then exit 0",
    // libsam restarts at once and without limit (CS_ERR_NOT_SUPPORTED for these options).
    "crash loop with back-off and a restart limit",
    "failed for good",
    "crash storm",
  ],
});
corosyncBackendSuite({ describe, it }, factory, {
  name: "backend-native with corosync",
  markFailedKeepsRecovery: true,
  // libsam's server does not reconnect: its quorum handle dies with the daemon, and a later
  // sam_start() fails with CS_ERR_LIBRARY (see the README). Reconnecting is corosyncQuorum()'s, under backend-fork.
  skip: ["corosync stops and comes back"],
});
