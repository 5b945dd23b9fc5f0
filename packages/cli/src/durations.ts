/** Human durations for options: `500ms`, `2s`, `1.5m`, `1h`; a bare number is milliseconds. */
const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** The syntax of a duration, for a regular expression or a JSON Schema pattern. */
export const durationSyntax = String.raw`\d+(\.\d+)?(ms|s|m|h)?`;
const durationExpression = new RegExp(`^${durationSyntax}$`);

/** The exact milliseconds of `text`, or undefined when it is not a duration. */
function exactMilliseconds(text: string): number | undefined {
  const trimmed = text.trim();
  const match = durationExpression.exec(trimmed);
  return match ? Number.parseFloat(trimmed) * units[match[2] ?? "ms"]! : undefined;
}

/** Whether `text` is a duration above 0 but below 1 ms, which has no whole number of milliseconds. */
export function belowOneMillisecond(text: string): boolean {
  const value = exactMilliseconds(text);
  return value !== undefined && value > 0 && value < 1;
}

/**
 * Whole milliseconds, or undefined when the text is not a duration, or is one above 0 but below
 * 1 ms: rounded, it would be 0, which means "off" wherever a duration can be 0.
 */
export function parseDuration(text: string): number | undefined {
  const value = exactMilliseconds(text);
  if (value === undefined || belowOneMillisecond(text)) return undefined;
  return Number.isSafeInteger(Math.round(value)) ? Math.round(value) : undefined;
}
