/** Human durations for options: `500ms`, `2s`, `1.5m`, `1h`; a bare number is milliseconds. */
const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds, or undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) return undefined;
  const value = Number(match[1]) * units[match[2] ?? "ms"]!;
  return Number.isSafeInteger(Math.round(value)) ? Math.round(value) : undefined;
}
