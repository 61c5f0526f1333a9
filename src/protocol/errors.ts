// Errors of the wire code. Neutral: they say what is wrong with the bytes, not what to do about it.
// Each side maps them: the client to its typed errors and exit codes (transport/, cli/report.ts), the
// mock daemon to an HTTP status.

/** Bytes (or a setting such as detach keys) that break the protocol's grammar. */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message)
    this.name = new.target.name
  }
}

/**
 * An HTTP/1.1 message that breaks RFC 9112. `status` is the status a server answers it with (400 for
 * most, 431 for a head too large, 501 for a coding it does not know).
 */
export class HttpSyntaxError extends ProtocolError {
  constructor(message: string, readonly status = 400) {
    super(message)
  }
}
