import { describe, it } from "vitest";
import { dataStoreSuite } from "@samkit/conformance";
import { fileStore } from "../src/index.js";
import { temporaryFolder } from "./helpers.js";

const fixture = (maxSize?: number) => () => {
  const temporary = temporaryFolder();
  return { open: () => fileStore({ path: temporary.file(), maxSize }), cleanup: temporary.remove };
};

dataStoreSuite({ describe, it }, fixture(), { name: "fileStore", persistent: true });
dataStoreSuite({ describe, it }, fixture(4096), { name: "fileStore with maxSize 4096", persistent: true, maxSize: 4096 });
