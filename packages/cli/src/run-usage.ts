/** `samctl run --help`: the option rows and the SAMKIT_* names come from the option table. */
import { environmentName, runOptionTable, settings, type RunOption } from "./run-option-table.js";

// Descriptions start in this column; a longer option goes on a line of its own above.
const column = 28;

function row(option: string, lines: readonly string[]): string {
  const indent = " ".repeat(column);
  const first = option.length < column - 2 ? `  ${option.padEnd(column - 2)}${lines[0]}` : `  ${option}\n${indent}${lines[0]}`;
  return [first, ...lines.slice(1).map((line) => `${indent}${line}`)].join("\n");
}

function rows(option: RunOption): string[] {
  const name = `${option.short === undefined ? "" : `-${option.short}, `}--${option.flag}`;
  if (option.kind === "switch") return [row(name, option.help)];
  const value = option.value ?? option.choices?.join("|");
  const help = option.default === undefined || option.help.some((line) => line.includes("(default")) ? option.help : [`${option.help[0]} (default ${option.default})`, ...option.help.slice(1)];
  const own = row(value === undefined ? name : `${name} ${value}`, help);
  return option.kind === "negatable" ? [own, row(`--no-${option.flag}`, [option.negatedHelp])] : [own];
}

/** Greedy wrapping at `width` columns. */
function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  return [...lines, line].join("\n");
}

export const runUsage = `usage: samctl run [options] -- <command> [arguments...]

Runs <command> under SAM supervision in the foreground. samctl keeps its PID and exits with the
command's exit code (128 + signal for a signal death), so it fits docker run, a systemd ExecStart
and a Pacemaker resource.

options:
${runOptionTable.flatMap(rows).join("\n")}

A Node program that uses @samkit/core with @samkit/backend-fork attaches to samctl as its
instance by itself: its start(), hcSend() and health-check callback are samctl's to judge.

examples:
  samctl run -- node server.js
  samctl run --interval 2s --warn-signal SIGUSR2 -- node worker.js --queue jobs
  samctl run --recovery quit --no-restart-limit -- ./batch.sh
  samctl run --interval 2s --health-http http://127.0.0.1:8080/healthz -- ./server

${wrap(`Flags beat SAMKIT_* environment variables (${settings().map(environmentName).join(", ")}), which beat the config file, which beats the defaults.`, 100)}`;
