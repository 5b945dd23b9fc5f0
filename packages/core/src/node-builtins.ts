/**
 * The one Node built-in core reads: os.constants, for signal numbers. Taken with
 * process.getBuiltinModule(), as require() hands it over: a static ESM import builds a namespace
 * of every export first, which every instance start would pay.
 */
export const os = process.getBuiltinModule("node:os");
