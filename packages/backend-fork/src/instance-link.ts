/**
 * The instance side of backend-fork: the channel inherited on fd 3, attached with core's channel client.
 */
import { attachInstanceChannel, type InstanceMarker, type InstanceRegistration } from "@samkit/core";

export function attachInstance(marker: InstanceMarker, onSupervisorLost: (() => void) | undefined): Promise<InstanceRegistration> {
  return attachInstanceChannel(marker.fd, { supervisorPid: marker.supervisorPid, backendName: "@samkit/backend-fork", onSupervisorLost, exitNotice: true, timedHeartbeats: true, parked: marker.spare });
}
