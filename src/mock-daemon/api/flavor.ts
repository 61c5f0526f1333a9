// Which real engine the mock imitates where engines differ: "docker" (dockerd, the default) or "podman"
// (podman 4.3's Docker-compatible API, as the conformance suites found it; README "Compatibility").
// Every difference lives in this table; the API handlers ask it (ApiContext.flavor) at a few hooks.
import type {SpawnProblem} from '../engine/runtime.js'
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
  /**
   * An exec whose command cannot start: the exit code and the text the daemon writes to the stream (as
   * stderr, whatever the exec attached). Undefined: the runtime reports it as dockerd does (stdout).
   */
  execStartFailure?: (problem: SpawnProblem) => {code: number; text: string}
  /** attach logs=1 replays each line with podman's broken frame header (api/podman-log-replay.ts). */
  misframedLogReplay: boolean
}

/**
 * Podman 4.3 wraps runc's words and picks the code from them: 126 for "permission denied", else 127
 * (also for a missing working directory, where dockerd says 126).
 */
function podmanStartFailure(problem: SpawnProblem): {code: number; text: string} {
  const denied = /permission denied/.test(problem.detail)
  const kind = denied ? 'OCI permission denied' : 'OCI runtime attempted to invoke a command that was not found'
  return {code: denied ? 126 : 127, text: `Error: runc: exec failed: unable to start container process: ${problem.detail}: ${kind}\n`}
}

const BEHAVIOUR: Record<Flavor, FlavorBehaviour> = {
  docker: {
    pingHeaders: {},
    noSuchContainer: (ref) => `No such container: ${ref}`,
    reportsStdinOnce: true,
    halfCloseEndsStdin: false,
    misframedLogReplay: false,
  },
  podman: {
    pingHeaders: {'Api-Version': '1.41', 'Libpod-Api-Version': '4.3.1', Server: 'Libpod/4.3.1 (linux)'},
    noSuchContainer: (ref) => `no container with name or ID "${ref}" found: no such container`,
    resizeEndedExec: (containerId, execId) => new ApiError(500,
      `cannot resize session: cannot resize container ${containerId} exec session ${execId} as it is not running: exec session state improper`),
    reportsStdinOnce: false,
    halfCloseEndsStdin: true,
    execStartFailure: podmanStartFailure,
    misframedLogReplay: true,
  },
}

export function flavorBehaviour(flavor: Flavor | undefined): FlavorBehaviour {
  return BEHAVIOUR[flavor ?? 'docker']
}
