// Which real engine the mock imitates where engines differ: "docker" (dockerd, the default) or "podman"
// (podman 4.3's Docker-compatible API, as the conformance suites found it; README "Compatibility").
// Every difference lives in this table; the API handlers ask it (ApiContext.flavor) at a few hooks.
import {ApiError} from '../server/api-error.js'

export const FLAVORS = ['docker', 'podman'] as const
export type Flavor = (typeof FLAVORS)[number]

export const isFlavor = (value: unknown): value is Flavor => FLAVORS.includes(value as Flavor)

export interface FlavorBehaviour {
  /** Extra /_ping headers: podman says Api-Version 1.41 and adds Libpod-Api-Version (clients detect it so). */
  pingHeaders: Record<string, string>
  /** The daemon's words for an unknown container. */
  noSuchContainer: (ref: string) => string
  /** The error for resizing an exec that has ended; undefined: accepted as a no-op. */
  resizeEndedExec?: (containerId: string, execId: string) => ApiError
  /** Whether inspect shows the container's StdinOnce (podman always says false). */
  reportsStdinOnce: boolean
  /** Whether an attach client's half-close ends the container's stdin without StdinOnce (podman: yes). */
  halfCloseEndsStdin: boolean
}

const BEHAVIOUR: Record<Flavor, FlavorBehaviour> = {
  docker: {
    pingHeaders: {},
    noSuchContainer: (ref) => `No such container: ${ref}`,
    reportsStdinOnce: true,
    halfCloseEndsStdin: false,
  },
  podman: {
    pingHeaders: {'Api-Version': '1.41', 'Libpod-Api-Version': '4.3.1', Server: 'Libpod/4.3.1 (linux)'},
    noSuchContainer: (ref) => `no container with name or ID "${ref}" found: no such container`,
    resizeEndedExec: (containerId, execId) => new ApiError(500,
      `cannot resize session: cannot resize container ${containerId} exec session ${execId} as it is not running: exec session state improper`),
    reportsStdinOnce: false,
    halfCloseEndsStdin: true,
  },
}

export function flavorBehaviour(flavor: Flavor | undefined): FlavorBehaviour {
  return BEHAVIOUR[flavor ?? 'docker']
}
