// The Node side of the death floor, as `peer die` in C: one byte on fd 3 once running, then, on
// the byte that answers it, process.exit(1). Its `exit` event writes the time on fd 3, as a samkit
// instance's exit notice is written, so the reader sees how long the rest of the death takes.
const { writeSync } = process.getBuiltinModule("node:fs");
const { Socket } = process.getBuiltinModule("node:net");
process.on("exit", () => writeSync(3, `${(Number(process.hrtime.bigint()) / 1e6).toFixed(6)}\n`));
const channel = new Socket({ fd: 3, readable: true, writable: true });
channel.write("r");
channel.once("data", () => process.exit(1));
