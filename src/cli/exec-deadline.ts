// --timeout: lets an exec run for so long, then stops its command inside the container (exec-stop)
// and lets everything the command printed reach our stdout before the session is closed.
import type {StopOutcome} from '../transport/exec-stop.js'
import type {QuietEnd} from '../transport/session.js'

/**
 * After a stop, the session ends at the daemon's EOF, or once the daemon has sent nothing for this long
 * with nothing waiting for our stdout (the stream lingers); a slow stdout is waited for, never cut.
 */
export const QUIET_AFTER_STOP_MS = 500
/** After a stop, how long a daemon may keep sending while our stdout keeps up (a stray writer) before the cut. */
export const TALK_AFTER_STOP_MS = 10_000
/** The `timeout` command's status for "timed out", which hijack uses too. */
export const TIMED_OUT_EXIT = 124

export interface DeadlineOptions {
  /** Undefined: no time limit (only `cancel`). */
  timeoutMs?: number
  /** Stops the command early, as an expiry does (fan-out's --fail-fast). */
  cancel?: AbortSignal
  /** Stops the command; resolves once it is gone or cannot be stopped. */
  stop: () => Promise<StopOutcome>
  /** After a stop: lets the session end once the daemon has gone quiet (sessionQuietEnd). */
  endWhenQuiet: () => void
  /** The command could not be stopped, so its output may never end: ends the session at once. */
  abort: () => void
}

export type DeadlineResult<T> = {ended: 'done'; value: T} | {ended: 'timeout' | 'cancelled'; stop: StopOutcome}

/**
 * Runs `work` (a session) until it ends, the deadline passes or `cancel` fires; in the last two cases
 * the command is stopped, and the session's own errors no longer matter.
 */
export async function withDeadline<T>(work: Promise<T>, options: DeadlineOptions): Promise<DeadlineResult<T>> {
  let timer: NodeJS.Timeout | undefined
  let onCancel: (() => void) | undefined
  const interrupted = new Promise<'timeout' | 'cancelled'>((resolve) => {
    if (options.timeoutMs !== undefined) timer = setTimeout(() => resolve('timeout'), options.timeoutMs)
    onCancel = () => resolve('cancelled')
    if (options.cancel?.aborted) onCancel()
    else options.cancel?.addEventListener('abort', onCancel, {once: true})
  })
  const first = await Promise.race([work.then((value) => ({value})), interrupted]).finally(() => {
    clearTimeout(timer)
    if (onCancel) options.cancel?.removeEventListener('abort', onCancel)
  })
  if (typeof first === 'object') return {ended: 'done', value: first.value}
  const stop = await options.stop()
  // Stopped: the output ends as the processes die, once what they printed has reached our stdout.
  if (stop.stopped) options.endWhenQuiet()
  else options.abort()
  await work.catch(() => {})
  return {ended: first, stop}
}

/** The session option that withDeadline's endWhenQuiet fires. */
export function sessionQuietEnd(signal: AbortSignal): QuietEnd {
  return {signal, everyMs: QUIET_AFTER_STOP_MS, talkMs: TALK_AFTER_STOP_MS}
}

/** The line hijack prints for a timed-out exec. */
export function timeoutMessage(where: string, timeoutMs: number, stop: StopOutcome): string {
  const after = `${where}timed out after ${formatMs(timeoutMs)}`
  return stop.stopped
    ? `${after}: the command was stopped`
    : `${after}: the command could not be stopped (${stop.reason}); it may still be running`
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`
}
