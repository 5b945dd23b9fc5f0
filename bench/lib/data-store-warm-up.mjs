/**
 * How many data stores a Node subject makes before its samples, so that they are taken in the
 * steady state libsam's C is in from the first call: Node's path (both processes') is compiled by
 * tiers over thousands of calls. At 1 KiB, 2,000 left samkit fork's median at 52-82 µs, 10,000 at
 * 39-61 and 30,000 at 42-55 (three runs each); a large store is costly and reached sooner.
 */
export function warmUpStores(size) {
  return size > 65536 ? 20 : 20_000;
}
