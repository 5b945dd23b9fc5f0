/** Median and 95th percentile of a list of numbers (nearest rank). */
export function summarize(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (fraction) => sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)];
  return { median: rank(0.5), p95: rank(0.95), count: sorted.length };
}

/** Microseconds, or milliseconds above 10 ms, for tables. */
export function formatDuration(microseconds) {
  return microseconds >= 10_000 ? `${(microseconds / 1000).toFixed(1)} ms` : `${microseconds.toFixed(1)} µs`;
}
