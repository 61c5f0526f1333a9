// Typed errors: each carries the exit code the CLI maps it to, so commands never guess.
// Exit codes follow the Docker CLI: 1 for daemon/connection/stream trouble, 125 for bad flags.

export class HijackError extends Error {
  readonly exitCode: number
  constructor(message: string, exitCode = 1) {
    super(message)
    this.name = new.target.name
    this.exitCode = exitCode
  }
}

/** The daemon could not be reached at all. */
export class ConnectError extends HijackError {
  readonly code: string | undefined
  constructor(hostUrl: string, code?: string) {
    super(
      code === 'EACCES'
        ? `permission denied while trying to connect to the Docker daemon socket at ${hostUrl}`
        : `Cannot connect to the Docker daemon at ${hostUrl}. Is the docker daemon running?`,
    )
    this.code = code
  }
}

/** The daemon answered with an error status; `message` is its own words. */
export class DaemonError extends HijackError {
  readonly statusCode: number
  readonly daemonMessage: string
  constructor(statusCode: number, daemonMessage: string) {
    super(`Error response from daemon: ${daemonMessage}`)
    this.statusCode = statusCode
    this.daemonMessage = daemonMessage
  }
}

/** The hijacked stream broke: reset, cut mid-frame, bad framing or a systemerr frame. */
export class StreamError extends HijackError {}

/** A flag value or argument we cannot use (Docker exits 125 for these). */
export class UsageError extends HijackError {
  constructor(message: string, exitCode = 125) {
    super(message, exitCode)
  }
}

/** The endpoint could not be chosen: a missing or broken context, or conflicting host options. */
export class EndpointError extends HijackError {}

/** TLS material could not be read, or the TLS handshake failed; the message says which, in plain words. */
export class TlsError extends HijackError {}

/** The ssh connection to a remote daemon failed; the message carries ssh's own stderr. */
export class SshError extends HijackError {}

/**
 * A swarm service's tasks cannot be used as asked: no running task, no such slot, an ambiguous task ID,
 * a task without a container or on a node that cannot be named in a host URL (exit 1, as the Docker CLI's
 * not-found errors). The manager's own answers (an unknown service) stay DaemonErrors.
 */
export class ServiceTargetError extends HijackError {}
