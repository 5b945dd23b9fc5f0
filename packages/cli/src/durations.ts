/** Human durations for options: `500ms`, `2s`, `1.5m`, `1h`; a bare number is milliseconds. */
const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** The syntax of a duration, for a regular expression or a JSON Schema pattern. */
export const durationSyntax = String.raw`\d+(\.\d+)?(ms|s|m|h)?`;
const durationExpression = new RegExp(`^${durationSyntax}$`);

/** Milliseconds, or undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  const match = durationExpression.exec(trimmed);
  if (!match) return undefined;
  const value = Number.parseFloat(trimmed) * units[match[2] ?? "ms"]!;
  return Number.isSafeInteger(Math.round(value)) ? Math.round(value) : undefined;
}
