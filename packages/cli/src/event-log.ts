/** The supervisor's own events on stderr: readable lines on a terminal, JSON lines otherwise. */
import type { ForkSupervisorEvent } from "@samkit/backend-fork";

export function eventLogger(mode: "auto" | "text" | "json" | "none", stream: NodeJS.WriteStream = process.stderr): ((event: ForkSupervisorEvent) => void) | undefined {
  if (mode === "none") return undefined;
  const json = mode === "json" || (mode === "auto" && !stream.isTTY);
  return (event) => {
    if (json) {
      stream.write(`${JSON.stringify({ source: "samctl", ...event, time: new Date(event.time).toISOString() })}\n`);
      return;
    }
    const at = new Date(event.time).toISOString().slice(11, 23);
    const text = (() => {
      switch (event.type) {
        case "spawn": return `instance ${event.instanceId} started (PID ${event.pid})`;
        case "standby": return `standby instance started (PID ${event.pid})`;
        case "signal": return `sent ${event.signal} to instance ${event.instanceId} (${event.reason})`;
        case "exit": return `instance ${event.instanceId} ended (${event.signal ?? `exit code ${event.code}`})`;
        case "quorum": return event.quorate ? "cluster is quorate" : "cluster lost quorum";
        case "quit": return `done, exit code ${event.exitCode}`;
        case "give-up": return event.message;
        case "error": return `error: ${event.message}`;
      }
    })();
    stream.write(`samctl ${at} ${text}\n`);
  };
}

/** One line from samctl itself, outside the supervisor's events, in the same form as they are. */
export function notice(mode: "auto" | "text" | "json" | "none", message: string, stream: NodeJS.WriteStream = process.stderr): void {
  if (mode === "none") return;
  if (mode === "json" || (mode === "auto" && !stream.isTTY)) {
    stream.write(`${JSON.stringify({ source: "samctl", type: "notice", message, time: new Date().toISOString() })}\n`);
  } else {
    stream.write(`samctl ${new Date().toISOString().slice(11, 23)} ${message}\n`);
  }
}
