/** What the supervisor does when a started instance dies or hangs: start the next one, or quit. */
export type RecoveryPolicy = "quit" | "restart";
