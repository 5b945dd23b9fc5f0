// The Node side of the round-trip floor's supervisor: `node serve.mjs <command> [args...]` starts
// the command with a channel on fd 3 (a socketpair, as child_process makes it) and answers every
// 1029 bytes with 6 from its event loop, as a Node supervisor does; the command's output is passed on.
const { spawn } = process.getBuiltinModule("node:child_process");
const [command, ...args] = process.argv.slice(2);
const child = spawn(command, args, { stdio: ["ignore", "inherit", "inherit", "pipe"] });
const channel = child.stdio[3];
const reply = Buffer.alloc(6);
let unanswered = 0;
channel.on("data", (chunk) => {
  for (unanswered += chunk.byteLength; unanswered >= 1029; unanswered -= 1029) channel.write(reply);
});
channel.on("error", () => {});
child.on("exit", (code) => process.exit(code ?? 1));
