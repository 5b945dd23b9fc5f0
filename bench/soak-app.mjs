// The app of the soak run: supervised by backend-fork, each instance works for a random while and
// then hangs (for (;;) {}) or crashes (exit 1). It says so just before; the supervisor's events
// are printed as JSON lines. Argument: the interval in ms.
import { createSam } from "@samkit/core";
import { forkBackend } from "@samkit/backend-fork";

const interval = Number(process.argv[2] ?? 500);
const line = (record) => process.stdout.write(`${JSON.stringify({ time: Date.now(), ...record })}\n`);
const sam = createSam({ backend: forkBackend({ onEvent: (event) => line({ ...event, from: "supervisor" }) }) });
await sam.initialize({ interval, recovery: "restart" });
const instanceId = await sam.register();
await sam.start();
line({ from: "instance", instanceId, state: "started" });
setInterval(() => sam.hcSend(), interval / 4);
const lifetime = 1000 + Math.random() * 9000;
setTimeout(() => {
  if (Math.random() < 0.5) {
    line({ from: "instance", instanceId, state: "hanging" });
    for (;;) {
      // hung
    }
  }
  line({ from: "instance", instanceId, state: "crashing" });
  process.exit(1);
}, lifetime);
