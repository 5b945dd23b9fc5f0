// The suite tests itself against core's reference store.
import { describe, it } from "vitest";
import { memoryDataStore } from "@samkit/core";
import { dataStoreSuite } from "../src/index.js";

dataStoreSuite({ describe, it }, () => ({ open: () => memoryDataStore() }), { name: "memoryDataStore" });
