/** `SAMKIT_FORK_CHANNEL=<fd>:<supervisor pid>` marks an instance of backend-fork. */
export const markerVariable = "SAMKIT_FORK_CHANNEL";
