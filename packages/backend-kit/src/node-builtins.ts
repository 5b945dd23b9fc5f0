/**
 * The Node built-ins the kit uses, taken as require() hands them over. A static ESM import of a
 * built-in first builds a namespace of every export, and for `node:fs` that runs getters such as
 * `fs.promises` that load further modules, which every instance start would pay.
 */
export const fs = process.getBuiltinModule("node:fs");
export const os = process.getBuiltinModule("node:os");

/** Whether this is the process's main thread (worker_threads is loaded on the first call). */
export function isMainThread(): boolean {
  return process.getBuiltinModule("node:worker_threads").isMainThread;
}

/** `node:net`, loaded on the first call: only instances need it, and only once they register. */
export function net(): typeof import("node:net") {
  return process.getBuiltinModule("node:net");
}
