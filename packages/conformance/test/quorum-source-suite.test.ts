// The suite tests itself against core's reference quorum source.
import { describe, it } from "vitest";
import { manualQuorumSource } from "@samkit/core";
import { quorumSourceSuite } from "../src/index.js";

quorumSourceSuite({ describe, it }, () => {
  const source = manualQuorumSource(true);
  return { source, setQuorate: (quorate: boolean) => source.setQuorate(quorate) };
}, { name: "manualQuorumSource" });
