/**
 * The instance side of backend-fork: the channel inherited on fd 3, attached with core's channel client.
 */
import { Socket } from "node:net";
import { attachInstanceChannel, type InstanceMarker, type InstanceRegistration } from "@samkit/core";

export function attachInstance(marker: InstanceMarker, onSupervisorLost: (() => void) | undefined): Promise<InstanceRegistration> {
  const socket = new Socket({ fd: marker.fd, readable: true, writable: true });
  return attachInstanceChannel(socket, { supervisorPid: marker.supervisorPid, backendName: "@samkit/backend-fork", onSupervisorLost, channelFd: marker.fd, exitNotice: true, timedHeartbeats: true });
}
