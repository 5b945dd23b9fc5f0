// samkit's fork backend, through the same app as the other samkit subjects.
import { samkitSubject } from "./samkit/subject.mjs";

export const name = "samkit fork";
export const { applies, setup, teardown, hang, crash, heartbeatCost, heartbeatRate, dataStore, memory, quorum } = samkitSubject("fork");
