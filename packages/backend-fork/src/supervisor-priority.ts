/**
 * The supervisor runs a little ahead of its instances in the scheduler, so its deadline fires on time.
 *
 * A hung instance spins on a CPU. Its last heartbeat wakes the supervisor with a "sync" wake-up,
 * which puts the supervisor on the instance's CPU, and the supervisor's deadline timer later fires
 * there too: it then waited behind the spinning instance for the rest of its time slice, and the
 * warning came late (docs/decisions/supervisor-priority.md; BENCHMARKS.md). backend-native's agent asks
 * for a short time slice (sched_setattr()) instead; Node has no call for that, but it has nice.
 *
 * Raising a priority needs CAP_SYS_NICE (root) or an RLIMIT_NICE that allows it; without either
 * nothing changes. Only the supervisor's main thread, which runs its event loop, is raised. Each
 * instance gets the priority the supervisor started with back as soon as it is spawned, so the
 * application's CPU share is what the user gave it.
 */
import { getPriority, setPriority } from "node:os";

/** How many nice steps the supervisor goes ahead of its instances. */
export const supervisorNiceBoost = 5;

/**
 * Raises the calling thread's priority by `supervisorNiceBoost`, if allowed. Returns the priority
 * it had, for `restorePriority()`, or undefined when it was left as it was.
 */
export function raiseSupervisorPriority(): number | undefined {
  try {
    const started = getPriority(0);
    setPriority(0, Math.max(-20, started - supervisorNiceBoost));
    return started;
  } catch {
    // EACCES without the privilege: the supervisor keeps the priority it was started with.
    return undefined;
  }
}

/**
 * Gives a process the priority the supervisor started with: a newly spawned instance (which
 * inherited the raised one), or 0, this thread, once it stops supervising. Lowering is always allowed.
 */
export function restorePriority(pid: number | undefined, started: number | undefined): void {
  if (pid === undefined || started === undefined) return;
  try {
    setPriority(pid, started);
  } catch {
    // ESRCH: it is gone already, and its exit is handled as any other.
  }
}
