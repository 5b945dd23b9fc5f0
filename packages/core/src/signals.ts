import { os } from "./node-builtins.js";
import { SamError } from "./sam-error.js";

/** A signal name as Node spells it, e.g. `SIGTERM`. */
export type SignalName = NodeJS.Signals;

const signalNumbers = os.constants.signals as Record<string, number>;
// Where two names share a number (SIGABRT/SIGIOT, SIGIO/SIGPOLL) the first listed is the one Node
// itself reports for a child's death, so the first wins.
const signalNames = new Map<number, SignalName>();
for (const [name, value] of Object.entries(signalNumbers)) {
  if (!signalNames.has(value)) signalNames.set(value, name as SignalName);
}

/** The number of a signal on this platform. */
export function signalNumber(name: SignalName): number {
  const value = signalNumbers[name];
  if (value === undefined) throw new SamError("CS_ERR_INVALID_PARAM", `@samkit/core: unknown signal ${name}`);
  return value;
}

/** The name of a signal number, or undefined when this platform has no such signal. */
export function signalName(value: number): SignalName | undefined {
  return signalNames.get(value);
}

/**
 * Accepts `'SIGUSR2'`, `'usr2'`, `'USR2'` or a signal number; returns the canonical name.
 * Signal 0 is refused: it delivers nothing, so it cannot warn.
 */
export function parseSignal(value: unknown, what = "signal"): SignalName {
  if (typeof value === "number") {
    const name = Number.isInteger(value) && value > 0 ? signalNames.get(value) : undefined;
    if (name) return name;
  } else if (typeof value === "string" && value.length > 0 && value.length < 32) {
    const upper = value.toUpperCase();
    const name = upper.startsWith("SIG") ? upper : `SIG${upper}`;
    if (signalNumbers[name] !== undefined) return name as SignalName;
  }
  throw new SamError(
    "CS_ERR_INVALID_PARAM",
    `@samkit/core: ${what} must be a signal name such as 'SIGTERM' or 'SIGUSR2', or its number; got ${describe(value)}`,
  );
}

/** A short, safe rendering of a bad argument for error messages. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (typeof value === "function") return "a function";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Uint8Array) return `a ${value.constructor.name} of ${value.byteLength} bytes`;
  return `a ${typeof value}`;
}
