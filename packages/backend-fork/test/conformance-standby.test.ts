import { describe, it } from "vitest";
import { backendSuite } from "@samkit/conformance";

// Warm standby changes how an instance is started, not what SAM does: the whole suite again.
backendSuite({ describe, it }, new URL("./fork-backend-standby-factory.mjs", import.meta.url), { name: "backend-fork conformance, warm standby" });
