import { describe, it } from "vitest";
import { corosyncBackendSuite } from "@samkit/conformance";

corosyncBackendSuite({ describe, it }, new URL("./fork-backend-factory.mjs", import.meta.url), { name: "backend-fork with corosync" });
