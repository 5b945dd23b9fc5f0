import { describe, it } from "vitest";
import { backendSuite } from "@samkit/conformance";

backendSuite({ describe, it }, new URL("./fork-backend-factory.mjs", import.meta.url), { name: "backend-fork conformance" });
