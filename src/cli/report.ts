import os from 'node:os'
import {ProtocolError} from '../protocol/errors.js'
import {HijackError, StreamError} from '../transport/errors.js'

/** One line on stderr (a trailing newline added when missing). */
export function printLine(message: string): void {
  process.stderr.write(message.endsWith('\n') ? message : `${message}\n`)
}

/**
 * The CLI's typed error for an expected failure, undefined for a crash. The wire code's neutral errors
 * (a cut or malformed stream, protocol/) are stream trouble: exit 1, as the Docker CLI.
 */
export function expectedFailure(error: unknown): HijackError | undefined {
  if (error instanceof HijackError) return error
  if (error instanceof ProtocolError) return new StreamError(error.message)
  return undefined
}

/** Prints an expected failure in one line (Docker's words) and gives its exit code; others are rethrown. */
export function reportError(error: unknown): number {
  const known = expectedFailure(error)
  if (!known) throw error
  printLine(known.message)
  return known.exitCode
}

/** The session ended because the user typed the detach sequence: Docker says this and exits 1. */
export class DetachedError extends HijackError {
  constructor() {
    super('read escape sequence', 1)
  }
}

/** 128 + SIGPIPE: our stdout reader went away (`| head`), as a process killed by SIGPIPE reports. */
export const OUTPUT_CLOSED_EXIT = 141

/** 128 + the signal's number, as a shell reports a process killed by it. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (os.constants.signals[signal] ?? 0)
}
