import type {ReadStream, WriteStream} from 'node:tty'
import {exitWhenFlushed} from './exit.js'
import {signalExitCode} from './report.js'

export type Restore = () => void

/** Where signals come from and how the process ends: the process itself, or a test's fakes. */
export interface ProcessHooks {
  events: Pick<NodeJS.EventEmitter, 'on' | 'off'>
  exit: (code: number) => void
}

const PROCESS_HOOKS: ProcessHooks = {events: process, exit: (code) => void exitWhenFlushed(code)}

/**
 * Puts a terminal stdin into raw mode and returns an idempotent restore. The restore also runs on
 * process exit and on terminating signals, so no exit path leaves the user's terminal raw.
 */
export function enterRawMode(stdin: Pick<ReadStream, 'setRawMode'>, hooks: ProcessHooks = PROCESS_HOOKS): Restore {
  const {events} = hooks
  stdin.setRawMode(true)
  // In raw mode ^C is a byte for the container, so a SIGINT here comes from outside (kill -INT).
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT']
  const onSignal = (signal: NodeJS.Signals): void => {
    restore()
    // Through the one exit that flushes our output first.
    hooks.exit(signalExitCode(signal))
  }
  let restored = false
  const restore = (): void => {
    if (restored) return
    restored = true
    try {
      stdin.setRawMode(false)
    } catch {
      // the terminal went away: nothing left to restore
    }
    events.off('exit', restore)
    for (const signal of signals) events.off(signal, onSignal)
  }
  events.on('exit', restore)
  for (const signal of signals) events.on(signal, onSignal)
  return restore
}

/** [rows, cols] of a terminal stdout, or undefined when there is none or it reports 0x0. */
export function terminalSize(stdout: WriteStream | NodeJS.WriteStream): [number, number] | undefined {
  if (!stdout.isTTY) return undefined
  const rows = stdout.rows ?? 0
  const cols = stdout.columns ?? 0
  return rows > 0 && cols > 0 ? [rows, cols] : undefined
}

export interface ResizeOptions {
  /** Retries of the first resize while the process starts. */
  initialRetries?: number
  /** Sends a size one larger first, so the program sees a change (attach). */
  bump?: boolean
  /** Sends the size once more this long after the first. */
  confirmAfterMs?: number
}

/**
 * Sends the terminal size now (retrying while the process starts, as Docker does: the first resize of
 * an exec fails until its process exists) and again on every size change. Resizes go one at a time
 * and each attempt reads the size afresh, so a late retry never undoes a newer size. Returns a stop.
 */
export function followTerminalSize(
  stdout: NodeJS.WriteStream,
  resize: (rows: number, cols: number) => Promise<void>,
  options: ResizeOptions = {},
): () => void {
  if (!stdout.isTTY) return () => {}
  let stopped = false
  let queue = Promise.resolve()
  const send = async (retries: number): Promise<void> => {
    for (let attempt = 0; !stopped; attempt++) {
      const size = terminalSize(stdout)
      if (!size) return
      try {
        await resize(size[0], size[1])
        return
      } catch {
        if (attempt >= retries) return
        await new Promise((resolve) => setTimeout(resolve, (attempt + 1) * 10))
      }
    }
  }
  const enqueue = (job: () => Promise<void>): void => {
    queue = queue.then(job, job)
  }
  enqueue(async () => {
    const size = terminalSize(stdout)
    // Attach: a size change the program notices makes a shell redraw its prompt on re-attach.
    if (options.bump && size) await resize(size[0] + 1, size[1] + 1).catch(() => {})
    await send(options.initialRetries ?? 10)
  })
  // The same size once more, a moment later: an engine that answered both resizes of the bump but
  // applied them out of order (podman, now and then) still ends on the terminal's size. Setting a
  // size the terminal already has changes nothing in the container.
  const confirm = options.confirmAfterMs === undefined ? undefined : setTimeout(() => enqueue(() => send(0)), options.confirmAfterMs)
  confirm?.unref()
  const onResize = (): void => enqueue(() => send(0))
  stdout.on('resize', onResize)
  return () => {
    stopped = true
    clearTimeout(confirm)
    stdout.off('resize', onResize)
  }
}
