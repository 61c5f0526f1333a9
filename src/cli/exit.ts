// Exiting without losing output. Node writes to a pipe asynchronously, so bytes still queued in
// process.stdout when process.exit() runs are dropped: `hijack exec c cat < big | slow-reader` lost
// its last kilobytes that way under load. Exit only once both streams have handed everything on.
import {OUTPUT_CLOSED_EXIT, printLine} from './report.js'

/** Set when stdout or stderr failed outside a session (a session handles its own output errors). */
let outputFailure: number | undefined

function onOutputError(this: NodeJS.WriteStream, error: NodeJS.ErrnoException): void {
  if (outputFailure !== undefined) return
  // The reader went away (`| head`): as a process killed by SIGPIPE reports, and quietly.
  if (error.code === 'EPIPE') {
    outputFailure = OUTPUT_CLOSED_EXIT
    return
  }
  outputFailure = 1
  if (this !== process.stderr) printLine(`cannot write output: ${error.message}`)
}

/** From the start of a command: a failing stdout or stderr becomes an exit code, never an uncaught 'error'. */
export function watchOutputErrors(): void {
  process.stdout.on('error', onOutputError)
  process.stderr.on('error', onOutputError)
}

/** Resolves once everything written to `stream` so far has left the process, or the stream failed. */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.destroyed || stream.writableLength === 0) return Promise.resolve()
  // A write's callback runs only after the writes queued before it (or with their error).
  return new Promise((resolve) => {
    stream.write('', () => resolve())
  })
}

/** process.exit(code) after stdout and stderr have flushed; a failed output changes the code (141 for EPIPE). */
export async function exitWhenFlushed(code: number): Promise<never> {
  await Promise.all([flushed(process.stdout), flushed(process.stderr)])
  process.exit(outputFailure ?? code)
}
