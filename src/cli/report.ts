import os from 'node:os'
import {HijackError} from '../transport/errors.js'

/** One line on stderr (a trailing newline added when missing). */
export function printLine(message: string): void {
  process.stderr.write(message.endsWith('\n') ? message : `${message}\n`)
}

/** Prints an expected failure in one line (Docker's words) and gives its exit code; others are rethrown. */
export function reportError(error: unknown): number {
  if (!(error instanceof HijackError)) throw error
  printLine(error.message)
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

/** 128 + the signal's number, as a shell reports a process killed by it. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (os.constants.signals[signal] ?? 0)
}
