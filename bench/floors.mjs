// What this machine allows, measured in the same run as the subjects and with no SAM code in the
// way: the floors under three of issue 8's targets. Each is the cheapest way there is to do what
// the target times, in C and in Node, so a gap between a target and its floor is the machine's.
//   death       a process's exit (or SIGKILL) → its descriptors closed, as its parent sees it:
//               a successor that must not run before its predecessor is gone waits this long
//   start       spawn(node, [script]) → the script's first statement, for an empty script, for
//               one that imports two tiny packages (as every samkit application imports two), for
//               the empty one spawned at a dying Node process's exit event (as a restart is), and,
//               where the machine sets NODE_EXTRA_CA_CERTS, for the empty one without it
//   round trip  1029 bytes out, 6 back over a socketpair (a 1 KiB data store and its reply)
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildC } from "./lib/build-c.mjs";
import { warmUpStores } from "./lib/data-store-warm-up.mjs";
import { monotonicMilliseconds } from "./lib/monotonic.mjs";
import { withoutExtraCaCerts } from "./lib/node-start-environment.mjs";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const node = process.execPath;
const sleep = (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/** Runs a command to its end and returns its standard output; rejects on a non-zero exit. */
function outputOf(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "inherit"] });
    let text = "";
    child.stdout.setEncoding("utf8").on("data", (part) => (text += part));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(text) : reject(new Error(`${command} ${args.join(" ")} exited with ${code}`))));
  });
}

/**
 * Starts `command args` with a channel on fd 3, waits for its first byte (it runs), lets it idle
 * 300 ms as a crashed instance had run, then calls `end(child, channel)`; resolves with what
 * `measure(text, closedAt)` makes of what it wrote after that and the moment its channel reached
 * its end (its descriptors closed), once it has exited.
 */
function runThenEnd(command, args, end, measure) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "ignore", "inherit", "pipe"] });
    const channel = child.stdio[3];
    const exited = new Promise((done) => child.once("exit", done));
    let text = "";
    channel.setEncoding("utf8");
    channel.once("data", async () => {
      await sleep(300);
      channel.on("data", (part) => (text += part));
      end(child, channel);
    });
    channel.on("end", () => {
      const closedAt = monotonicMilliseconds();
      exited.then(async () => {
        const sample = await measure(text, closedAt);
        if (Number.isFinite(sample)) resolve(sample);
        else reject(new Error(`floors: ${command} ${args.join(" ")} gave no time`));
      }, reject);
    });
    channel.on("error", reject);
  });
}

/** One death, told to exit (it writes its time first) or SIGKILLed: from then to its descriptors closed. */
function death(command, args, { kill }) {
  let killedAt;
  const end = (child, channel) => {
    if (!kill) return channel.write("x");
    killedAt = monotonicMilliseconds();
    child.kill("SIGKILL");
  };
  return runThenEnd(command, args, end, (text, closedAt) => closedAt - (kill ? killedAt : Number(text.trim())));
}

/**
 * A restart with nothing in the way: a Node process is told to exit, and the empty script is
 * spawned the moment its exit event says so (as a samkit exit notice does), while it tears down.
 * From its exit event to the script's first statement.
 */
function restart(script) {
  let started;
  const end = (_child, channel) => {
    channel.once("data", () => (started = start(script, { from: "exit" })));
    channel.write("x");
  };
  return runThenEnd(node, [here("./floors/die.mjs")], end, async (text) => {
    const { firstStatement } = await started;
    return firstStatement - Number(text.trim().split("\n")[0]);
  });
}

/** spawn → the first statement of `script`, which prints its time; `from: "exit"` gives that time itself. */
async function start(script, { from = "spawn" } = {}) {
  const spawnedAt = monotonicMilliseconds();
  const firstStatement = Number((await outputOf(node, [script])).trim());
  return from === "spawn" ? firstStatement - spawnedAt : { firstStatement };
}

/** A folder with two tiny ESM packages (with `exports`, the second importing the first) and two scripts. */
function startFixtures() {
  const folder = mkdtempSync(join(tmpdir(), "samkit-floor-"));
  const stamp = 'process.stdout.write(`${Number(process.hrtime.bigint()) / 1e6}\\n`);\n';
  for (const [name, body] of [
    ["floor-a", "export const a = 1;\n"],
    ["floor-b", 'import { a } from "floor-a";\nexport const b = a + 1;\n'],
  ]) {
    mkdirSync(join(folder, "node_modules", name), { recursive: true });
    writeFileSync(join(folder, "node_modules", name, "package.json"), JSON.stringify({ name, version: "1.0.0", type: "module", exports: { ".": { import: "./index.js" } } }));
    writeFileSync(join(folder, "node_modules", name, "index.js"), body);
  }
  writeFileSync(join(folder, "empty.mjs"), stamp);
  writeFileSync(join(folder, "two-packages.mjs"), `import { a } from "floor-a";\nimport { b } from "floor-b";\nif (a + b !== 3) throw new Error("floor packages");\n${stamp}`);
  return { folder, empty: join(folder, "empty.mjs"), twoPackages: join(folder, "two-packages.mjs") };
}

const parseLines = (text) => text.trim().split("\n").map(Number);

/** Each floor's variants, as [name, () => Promise<number[]>] for one round. */
function floorPlans(peer, fixtures, { samples, roundTrips, extraCaCerts }) {
  const times = async (count, once) => {
    const values = [];
    for (let index = 0; index < count; index++) values.push(await once());
    return values;
  };
  // Node's path needs thousands of round trips before it is compiled: as many as the subjects make.
  const warmUp = String(warmUpStores(1024));
  return [
    {
      id: "floor-death",
      title: "Death: exit (or SIGKILL) → its descriptors closed, seen by its parent",
      unit: "ms",
      bounds: "the standby restart: a successor runs only once its predecessor is gone",
      variants: [
        ["C process, exit()", () => times(samples, () => death(peer, ["die"], { kill: false }))],
        ["Node process, process.exit() (from its exit event)", () => times(samples, () => death(node, [here("./floors/die.mjs")], { kill: false }))],
        ["Node process, SIGKILL", () => times(samples, () => death(node, [here("./floors/die.mjs")], { kill: true }))],
      ],
    },
    {
      id: "floor-start",
      title: "Start: spawn(node, [script]) → the script's first statement",
      unit: "ms",
      bounds: "the cold restart: an application imports @samkit/core and a backend, and starts while its predecessor dies",
      variants: [
        ["empty script", () => times(samples, () => start(fixtures.empty))],
        ["script importing two tiny packages", () => times(samples, () => start(fixtures.twoPackages))],
        ["empty script, spawned at a Node process's exit event (it still tears down)", () => times(samples, () => restart(fixtures.empty))],
        // What the CA bundle costs every Node start here (node-start-environment.mjs).
        ...(extraCaCerts ? [["empty script, without NODE_EXTRA_CA_CERTS (set on this machine)", () => withoutExtraCaCerts(() => times(samples, () => start(fixtures.empty)))]] : []),
      ],
    },
    {
      id: "floor-round-trip",
      title: "Round trip: 1029 bytes out, 6 back over a socketpair",
      unit: "µs",
      bounds: "a data store that waits for its supervisor: libsam's, and samkit's with a DataStore plugin (without one samkit writes a data file and does not wait)",
      variants: [
        ["C ↔ C supervisor (poll, as libsam)", async () => parseLines(await outputOf(peer, ["serve", peer, "ask", warmUp, String(roundTrips)]))],
        ["Node instance (blocking) ↔ C supervisor", async () => parseLines(await outputOf(peer, ["serve", node, here("./floors/ask.mjs"), warmUp, String(roundTrips)]))],
        ["Node instance (blocking) ↔ Node supervisor (event loop)", async () => parseLines(await outputOf(node, [here("./floors/serve.mjs"), node, here("./floors/ask.mjs"), warmUp, String(roundTrips)]))],
      ],
    },
  ];
}

/**
 * Measures every floor in `rounds` rounds, its variants alternating with the order rotated each
 * round; returns { id: { title, unit, bounds, series: { variant: samples } } }. `extraCaCerts` is
 * the run's NODE_EXTRA_CA_CERTS as lib/node-start-environment.mjs describes it: where it is set,
 * the start floor also has a start without it.
 */
export async function measureFloors({ rounds, samples, roundTrips, extraCaCerts, log = () => {} }) {
  const peer = buildC(here("./floors/peer.c"), "floor-peer", [], "bench floors");
  const fixtures = startFixtures();
  const floors = {};
  try {
    for (const plan of floorPlans(peer, fixtures, { samples, roundTrips, extraCaCerts })) {
      const entry = (floors[plan.id] = { title: plan.title, unit: plan.unit, bounds: plan.bounds, series: {} });
      for (let round = 0; round < rounds; round++) {
        const shift = round % plan.variants.length;
        for (const [name, measure] of [...plan.variants.slice(shift), ...plan.variants.slice(0, shift)]) {
          (entry.series[name] ??= []).push(...(await measure()));
        }
        log(`${plan.id} round ${round + 1}/${rounds}`);
      }
    }
  } finally {
    rmSync(fixtures.folder, { recursive: true, force: true });
  }
  return floors;
}
