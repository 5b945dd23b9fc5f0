// `pnpm bench ab`: a quick A/B for a change. Two builds of samkit (this checkout, and another
// revision built in a worktree of its own) or two environment settings, alternating round by
// round on the scenarios a change to samkit's restart and hang paths moves: a cold crash restart
// (backend-fork, backend-native), a restart with warm standby, and the hang warning at
// T = 200 ms. Ratios are judged round by round (A's median over B's, per round), as BENCHMARKS.md
// judges its targets. About two minutes with the defaults; the full `pnpm bench` is for
// BENCHMARKS.md.
//   pnpm bench ab --base HEAD~3              this checkout (A) against a revision (B)
//   pnpm bench ab --env NODE_OPTIONS=--jitless   this checkout with (A) and without (B) a variable
//   options: --rounds N (default 8), --samples N per round (default 5), --only crash,standby,native,hang
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { samkitSubject } from "./subjects/samkit/subject.mjs";
import { summarize } from "./statistics.mjs";

const root = fileURLToPath(new URL("../", import.meta.url));
const log = (text) => process.stderr.write(`[bench ab] ${text}\n`);

/**
 * A worktree of `revision`, installed and built, cached in the temporary folder by commit (not
 * inside this checkout, where Node would resolve its packages from this checkout's node_modules).
 */
function buildRevision(revision) {
  const commit = execFileSync("git", ["rev-parse", "--verify", `${revision}^{commit}`], { cwd: root, encoding: "utf8" }).trim();
  const folder = join(tmpdir(), "samkit-bench-ab", commit.slice(0, 12));
  if (!existsSync(join(folder, "packages", "backend-fork", "dist", "index.js"))) {
    mkdirSync(join(folder, ".."), { recursive: true });
    if (!existsSync(folder)) execFileSync("git", ["worktree", "add", "--detach", folder, commit], { cwd: root, stdio: "ignore" });
    log(`building ${revision} (${commit.slice(0, 12)}) in ${folder}`);
    const quiet = { cwd: folder, stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" } };
    execFileSync("pnpm", ["install", "--offline", "--frozen-lockfile"], quiet);
    execFileSync("pnpm", ["exec", "turbo", "run", "build", "--output-logs=errors-only"], quiet);
  }
  return { label: `${revision} (${commit.slice(0, 12)})`, app: join(folder, "bench", "subjects", "samkit", "app.mjs"), environment: {} };
}

/** The scenarios: each takes a samkit subject factory and gives one number per sample. */
const scenarios = [
  { id: "crash", title: "crash → next instance, backend-fork, no standby", unit: "ms", backend: "fork", measure: (subject, samples) => subject.crash({ samples }) },
  { id: "standby", title: "crash → next instance, backend-fork with warm standby", unit: "ms", backend: "fork-standby", measure: (subject, samples) => subject.crash({ samples }) },
  { id: "native", title: "crash → next instance, backend-native", unit: "ms", backend: "native", measure: (subject, samples) => subject.crash({ samples }) },
  {
    id: "hang",
    title: "hang: warning after the deadline, backend-fork, T = 200 ms",
    unit: "ms",
    backend: "fork",
    measure: async (subject, samples) => (await subject.hang({ interval: 200, samples })).map((sample) => sample.warn - 200),
  },
];

export async function runAb({ base, env, rounds = 8, samples = 5, only = [] }) {
  const sides = [{ label: "this checkout", app: undefined, environment: {} }];
  if (base) sides.push(buildRevision(base));
  else if (env) {
    const [name, ...value] = env.split("=");
    sides[0] = { label: `this checkout, ${env}`, app: undefined, environment: { [name]: value.join("=") } };
    sides.push({ label: `this checkout, without ${name}`, app: undefined, environment: { [name]: "" } });
  } else {
    throw new Error("pnpm bench ab needs --base <revision> or --env NAME=VALUE");
  }
  const chosen = scenarios.filter((scenario) => only.length === 0 || only.includes(scenario.id));
  const results = [];
  for (const scenario of chosen) {
    const subjects = sides.map((side) => samkitSubject(scenario.backend, side));
    const perRound = [[], []];
    for (let round = 0; round < rounds; round++) {
      // Alternating which side goes first, so neither always runs on a warmer or a busier machine.
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      for (const side of order) perRound[side].push(await scenario.measure(subjects[side], samples));
      log(`${scenario.id} round ${round + 1}/${rounds}: A ${summarize(perRound[0].at(-1)).median.toFixed(2)}, B ${summarize(perRound[1].at(-1)).median.toFixed(2)} ${scenario.unit}`);
    }
    const ratios = perRound[0].map((samplesA, round) => summarize(samplesA).median / summarize(perRound[1][round]).median);
    results.push({
      ...scenario,
      a: summarize(perRound[0].flat()),
      b: summarize(perRound[1].flat()),
      ratio: summarize(ratios).median,
      ratios,
    });
  }
  return { sides, rounds, samples, results };
}

export function renderAb({ sides, rounds, samples, results }) {
  const lines = [
    `A: ${sides[0].label}; B: ${sides[1].label}; ${rounds} alternating rounds of ${samples} samples.`,
    "",
    "| scenario | A median | B median | A / B, round by round (median) | A p95 | B p95 |",
    "|---|---|---|---|---|---|",
    ...results.map((row) => `| ${row.title} | ${row.a.median.toFixed(2)} ${row.unit} | ${row.b.median.toFixed(2)} ${row.unit} | ${row.ratio.toFixed(3)} × | ${row.a.p95.toFixed(2)} ${row.unit} | ${row.b.p95.toFixed(2)} ${row.unit} |`),
  ];
  return `${lines.join("\n")}\n`;
}
