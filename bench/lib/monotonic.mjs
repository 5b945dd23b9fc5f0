/**
 * Milliseconds on CLOCK_MONOTONIC, as a float. libuv reads the same clock as C's
 * clock_gettime(CLOCK_MONOTONIC), so timestamps taken in different processes (Node or C) compare.
 */
export function monotonicMilliseconds() {
  return Number(process.hrtime.bigint()) / 1e6;
}
