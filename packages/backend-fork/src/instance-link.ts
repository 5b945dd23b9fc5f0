/**
 * The instance side of backend-fork: the channel inherited on fd 3, attached with core's channel client,
 * and the data file on fd 4 when the supervisor gave one.
 */
import { attachInstanceChannel, type InstanceMarker, type InstanceRegistration } from "@samkit/core";

export function attachInstance(marker: InstanceMarker, onSupervisorLost: (() => void) | undefined): Promise<InstanceRegistration> {
  return attachInstanceChannel(marker.fd, { supervisorPid: marker.supervisorPid, backendName: "@samkit/backend-fork", onSupervisorLost, exitNotice: true, timedHeartbeats: true, parked: marker.spare, dataFile: marker.dataFd });
}
