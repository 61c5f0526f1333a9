import {HijackError} from '../transport/errors.js'

/** Prints an expected failure in one line (Docker's words) and gives its exit code; others are rethrown. */
export function reportError(error: unknown): number {
  if (!(error instanceof HijackError)) throw error
  process.stderr.write(error.message.endsWith('\n') ? error.message : `${error.message}\n`)
  return error.exitCode
}

/** The session ended because the user typed the detach sequence: Docker says this and exits 1. */
export class DetachedError extends HijackError {
  constructor() {
    super('read escape sequence', 1)
  }
}

/** 128 + SIGPIPE: our stdout reader went away (`| head`), as a process killed by SIGPIPE reports. */
export const OUTPUT_CLOSED_EXIT = 141
