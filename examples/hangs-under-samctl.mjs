// The main job: an app supervised by samctl. It needs no supervisor code of its own: run under
// `samctl run`, register() attaches it to samctl as an instance. Instance 1 works, then hangs in
// for (;;) {}; samctl warns it one interval after its last heartbeat, kills it one interval later
// and starts instance 2, which restores what instance 1 stored and ends cleanly.
//
//   pnpm example    (samctl run --interval 1s --log text -- node examples/hangs-under-samctl.mjs)
import { createSam } from "@samkit/core";
import { forkBackend } from "@samkit/backend-fork";

const stamp = () => new Date().toISOString().slice(11, 23);
const sam = createSam({ backend: forkBackend() });
await sam.initialize({ interval: 1000, recovery: "restart" });
const instanceId = await sam.register();
const say = (text) => console.log(`app    ${stamp()} instance ${instanceId} (PID ${process.pid}): ${text}`);

const hangsBefore = sam.dataRestore()?.[0] ?? 0;
say(`running; it has hung ${hangsBefore} time(s) before`);
await sam.start();
setInterval(() => sam.hcSend(), 250);

setTimeout(async () => {
  if (hangsBefore === 0) {
    await sam.dataStore(Uint8Array.of(1));
    say("stored \"1 hang\"; now stuck in for (;;) {}: no heartbeat can go out");
    for (;;) {
      // hung
    }
  }
  await sam.stop();
  say("healthy again; stops health checking and exits 0");
  process.exit(0);
}, 2000);
