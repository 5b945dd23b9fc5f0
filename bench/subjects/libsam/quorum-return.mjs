// Quorate → sam_start() latency against the test corosync on loopback (packages/conformance's
// test-corosync-cli). An independent observer in this process, @samkit/quorum-corosync, notes
// when quorum comes back; the instance notes when sam_start() returns.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { corosyncQuorum } from "@samkit/quorum-corosync";
import { byInstance, loggedBy } from "../../lib/event-log.mjs";
import { monotonicMilliseconds } from "../../lib/monotonic.mjs";

const run = promisify(execFile);
const cli = fileURLToPath(new URL("../../../packages/conformance/dist/test-corosync-cli.js", import.meta.url));

// Only a corosync this bench started is stopped again; one that ran before is someone else's.
let startedHere = false;

async function testCorosync(command) {
  try {
    return (await run(process.execPath, [cli, command], { timeout: 30_000 })).stdout;
  } catch (error) {
    throw new Error(`libsam quorum: test-corosync ${command} failed: ${(error.stderr || error.stdout || error.message).trim()}`);
  }
}

async function ensureTestCorosync() {
  const running = await run(process.execPath, [cli, "status"], { timeout: 30_000 }).then(() => true, () => false);
  if (running) return;
  if (process.getuid?.() !== 0) throw new Error("libsam quorum: the test corosync is not running and only root can start it");
  await testCorosync("start");
  startedHere = true;
}

/**
 * Gives quorum back the way test-corosync does (expected votes 1 of the two-node config) but
 * without booting Node and polling corosync-quorumtool meanwhile: the observer and libsam then
 * see the change on an otherwise quiet machine.
 */
async function restoreQuorumNow() {
  await run("corosync-cmapctl", ["-s", "quorum.expected_votes", "u32", "1"], { timeout: 10_000 });
}

/** Stops the test corosync if this bench started it. */
export async function releaseTestCorosync() {
  if (!startedHere) return;
  startedHere = false;
  await testCorosync("stop");
}

/** Resolves with the time of the first change to `quorate`, as the observer sees it. */
function nextChange(source, quorate, timeout = 15_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      remove();
      reject(new Error(`libsam quorum: the observer did not see quorate = ${quorate} within ${timeout} ms`));
    }, timeout);
    const remove = source.onChange((now) => {
      if (now !== quorate) return;
      const time = monotonicMilliseconds();
      clearTimeout(timer);
      remove();
      resolve(time);
    });
  });
}

/**
 * For each sample: quorum off; the instance calls sam_start() (it blocks); quorum on. Sample =
 * sam_start() returned − the observer saw quorum return. `run(measure)` runs the reference in
 * quorum mode with a pipe on its stdin. The cluster is left quorate.
 */
export async function measureQuorumReturn({ samples, run: runReference }) {
  await ensureTestCorosync();
  const source = corosyncQuorum();
  await source.connect();
  let quorumTaken = false;
  try {
    if (!source.isQuorate()) await testCorosync("quorate");
    return await runReference(async ({ supervisor, waitFor }) => {
      const results = [];
      for (let id = 1; id <= samples; id++) {
        await waitFor(`instance ${id}`, loggedBy("running", id));
        const lost = nextChange(source, false);
        quorumTaken = true;
        await testCorosync("inquorate");
        await lost;
        supervisor.child.stdin.write("g");
        await waitFor(`instance ${id} in sam_start`, loggedBy("waiting", id));
        // Let the supervisor read the start command and settle in its wait for quorum.
        await new Promise((resolve) => setTimeout(resolve, 20));
        const returned = nextChange(source, true);
        await restoreQuorumNow();
        quorumTaken = false;
        const returnedAt = await returned;
        const events = await waitFor(`instance ${id} started`, loggedBy("started", id));
        results.push(byInstance(events, "started").get(id).time - returnedAt);
      }
      return results;
    });
  } finally {
    if (quorumTaken) await testCorosync("quorate");
    await source.close();
  }
}
