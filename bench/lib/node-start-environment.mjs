// What in the environment changes every Node start, so a run says which start it measured.
// NODE_EXTRA_CA_CERTS is the big one: Node 20 (OpenSSL 3) reads and parses the whole bundle on the
// main thread before the first statement of any script (nodejs/node#40524), whether or not the
// program ever uses TLS. Machines behind a TLS-inspecting proxy set it to the system bundle, and
// then a Node start costs tens of milliseconds more, for every Node subject alike.
import { statSync } from "node:fs";

const extraCaCertsVariable = "NODE_EXTRA_CA_CERTS";

/** The variables a Node start depends on, as this process has them (a path's size too). */
export function describeNodeStartEnvironment(environment = process.env) {
  const path = environment[extraCaCertsVariable];
  let bytes;
  try {
    bytes = path ? statSync(path).size : undefined;
  } catch {
    // A path that does not exist costs nothing to parse; it is still reported.
  }
  return { extraCaCerts: path ? { path, bytes } : null, nodeOptions: environment.NODE_OPTIONS ?? null };
}

/**
 * Runs `work` with NODE_EXTRA_CA_CERTS taken out of this process's environment, which every
 * subject, supervisor and instance inherits, and puts it back afterwards however `work` ends.
 * Only for work that runs alone: anything spawned meanwhile starts without the variable too.
 */
export async function withoutExtraCaCerts(work) {
  const saved = process.env[extraCaCertsVariable];
  delete process.env[extraCaCertsVariable];
  try {
    return await work();
  } finally {
    if (saved !== undefined) process.env[extraCaCertsVariable] = saved;
  }
}
