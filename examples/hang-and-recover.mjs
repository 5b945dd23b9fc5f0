// An app supervised by samkit's fork backend. Instance 1 works, then hangs in a busy loop; the
// supervisor notices the missing heartbeats, warns it, kills it and starts instance 2, which
// restores what instance 1 stored, works for a while and ends cleanly.
//
//   node examples/hang-and-recover.mjs            # the whole story, then exit 0
//   node examples/hang-and-recover.mjs --interval 500
import { createSam } from "@samkit/core";
import { forkBackend } from "@samkit/backend-fork";

const intervalFlag = process.argv.indexOf("--interval");
const interval = intervalFlag > 0 ? Number(process.argv[intervalFlag + 1]) : 1000;
// Wall-clock time, so the supervisor's and the instances' lines can be compared.
const stamp = () => new Date().toISOString().slice(11, 23);

// Runs in the supervisor: what it decides, with times.
const describeEvent = (event) => {
  switch (event.type) {
    case "spawn": return `supervisor: started instance ${event.instanceId}`;
    case "signal": return `supervisor: sent ${event.signal} to instance ${event.instanceId} (${event.reason})`;
    case "exit": return `supervisor: instance ${event.instanceId} ended (${event.signal ?? `exit code ${event.code}`})`;
    case "quit": return `supervisor: done, exit code ${event.exitCode}`;
    default: return `supervisor: ${event.type} ${JSON.stringify(event)}`;
  }
};

const sam = createSam({
  backend: forkBackend({ onEvent: (event) => console.log(`${stamp()}  ${describeEvent(event)}`) }),
});
await sam.initialize({ interval, recovery: "restart" });

// In the supervisor this never returns; everything below runs in instances.
const instanceId = await sam.register();
const say = (text) => console.log(`${stamp()}  instance ${instanceId} (PID ${process.pid}): ${text}`);

const stored = sam.dataRestore();
const hangsSoFar = stored ? stored[0] : 0;
say(`running; it has hung ${hangsSoFar} time(s) before`);

await sam.start();
const heartbeat = setInterval(() => sam.hcSend(), interval / 4);
process.on("SIGTERM", () => say("got the warn signal (SIGTERM)... but a stuck instance cannot act on it"));

if (hangsSoFar === 0) {
  setTimeout(async () => {
    await sam.dataStore(Uint8Array.of(hangsSoFar + 1));
    say(`stores "1 hang" and now hangs in for (;;) {} — the supervisor should warn it after ${interval} ms and kill it after ${2 * interval} ms`);
    for (;;) {
      // hung: no heartbeat can be sent
    }
  }, 2 * interval);
} else {
  setTimeout(async () => {
    clearInterval(heartbeat);
    await sam.stop();
    say("healthy again; stops health checking and exits 0");
    process.exit(0);
  }, 2 * interval);
}
