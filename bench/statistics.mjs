/**
 * Median and 95th percentile of a list of numbers. The median of an even count is the mean of the
 * two middle values: the lower one alone (nearest rank) would lean low, which for a ratio judged
 * over 4 or 8 rounds can move it by a tenth. The 95th percentile is by nearest rank.
 */
export function summarize(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (fraction) => sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)];
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { median, p95: rank(0.95), count: sorted.length };
}

/** Microseconds, or milliseconds above 10 ms, for tables. */
export function formatDuration(microseconds) {
  return microseconds >= 10_000 ? `${(microseconds / 1000).toFixed(1)} ms` : `${microseconds.toFixed(1)} µs`;
}
