// Memory and CPU time of a process from /proc, for the supervisors' footprint.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

let ticksPerSecond;

/** The kernel's clock tick for /proc/<pid>/stat times (`getconf CLK_TCK`, almost always 100). */
export function clockTicksPerSecond() {
  ticksPerSecond ??= Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
  return ticksPerSecond;
}

/** Resident set size in bytes (VmRSS of /proc/<pid>/status). */
export function rssBytes(pid) {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no VmRSS for process ${pid} (a zombie?)`);
  return Number(match[1]) * 1024;
}

/** User plus system CPU time in milliseconds (utime + stime of /proc/<pid>/stat). */
export function cpuMilliseconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may hold spaces and parentheses: count fields after the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields 14 and 15 of the line are the 12th and 13th after the name.
  return ((Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond()) * 1000;
}

/**
 * Starts measuring a process's CPU use; `stop()` returns `{ rssBytes, cpuPercent }`: the RSS at
 * that moment and the CPU time over the window as a percentage of one core.
 */
export function measureProcess(pid) {
  const startCpu = cpuMilliseconds(pid);
  const startWall = performance.now();
  return {
    stop() {
      const cpu = cpuMilliseconds(pid) - startCpu;
      const wall = performance.now() - startWall;
      return { rssBytes: rssBytes(pid), cpuPercent: (cpu / wall) * 100 };
    },
  };
}
