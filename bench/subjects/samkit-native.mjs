// samkit's native backend, through the same app as the other samkit subjects.
import { samkitSubject } from "./samkit/subject.mjs";

export const name = "samkit native";
export const { applies, setup, teardown, hang, crash, heartbeatCost, heartbeatRate, dataStore, memory, quorum } = samkitSubject("native");
