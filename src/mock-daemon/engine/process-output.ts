// When a process's output is over: its exit, then its stdout and stderr read to the end (or cut 2 s
// after the exit, as dockerd closes its stream copies). The engine records exit codes by this.
import type {Readable} from 'node:stream'
import type {MockProcess} from './runtime.js'

/**
 * Resolves once a process's stdout and stderr have been read to the end, whatever its runtime says
 * about `exited`: the stream must not end before the last output bytes were written to it.
 */
export function outputsDone(...streams: Readable[]): Promise<void> {
  // One promise and one small listener per stream (this runs for every exec).
  return new Promise<void>((resolve) => {
    let pending = streams.length + 1
    const settle = (): void => {
      if (--pending === 0) resolve()
    }
    for (const stream of streams) {
      if (stream.readableEnded || stream.destroyed) {
        settle()
        continue
      }
      let done = false
      const onDone = (): void => {
        if (done) return
        done = true
        settle()
      }
      stream.on('end', onDone)
      stream.on('close', onDone)
      stream.on('error', onDone)
    }
    settle()
  })
}

/** How long output may still flow after its process exited (dockerd gives its stream copies 2 s). */
export const OUTPUT_GRACE_MS = 2000
/**
 * Once the process has exited, a client that reads slowly no longer holds it back: its output is
 * buffered for it, up to this much (dockerd's per-client buffer is 1 MB), and a client past that is let go.
 */
export const CLIENT_BUFFER_AFTER_EXIT = 1024 * 1024

/**
 * Resolves with the exit code once the process has exited and its output was read to the end, or
 * `graceMs` after the exit when the output still has not ended (a background child keeps the pipe
 * open): then, as dockerd closes its streams, the output streams are destroyed. Clients keep what was
 * already buffered for them.
 *
 * The cut waits for one more poll of the event loop after the grace: a busy loop (a loaded machine)
 * can spend longer than the grace in the very turn that reaped the process, and the timers of the next
 * turn run before its poll reads what the process left in its pipes (its last bytes and their EOF).
 * Only a pipe still open after that poll is held by someone else.
 */
export function exitAfterOutput(proc: MockProcess, graceMs = OUTPUT_GRACE_MS): Promise<number> {
  let drained = false
  const output = outputsDone(proc.stdout, proc.stderr).then(() => {
    drained = true
  })
  return proc.exited.then((code) => {
    if (drained) return code
    let timer: NodeJS.Timeout | undefined
    const cut = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        setImmediate(() => {
          if (!drained) {
            proc.stdout.destroy()
            proc.stderr.destroy()
          }
          resolve()
        })
        // Not unref'd: an unref'd immediate lets the loop block in its poll until something else wakes it.
      }, graceMs)
      timer.unref()
    })
    return Promise.race([output, cut]).then(() => {
      clearTimeout(timer)
      return code
    })
  })
}
