// Stopping an exec. The Engine API has no exec kill (moby#35703), so a stoppable exec is started with a
// unique token in its environment, and stopping it is a second exec in the same container that signals
// every process whose environment carries that token (its children inherit it). The mock daemon reads
// the same command (parseStopCommand) and does the stop natively.
import {Writable} from 'node:stream'
import type {DockerApi} from './docker-api.js'
import {DaemonError, HijackError} from './errors.js'
import {runSession} from './session.js'
import {STOP_UNSUPPORTED, stopCommand} from '../protocol/exec-stop.js'

export * from '../protocol/exec-stop.js'

/** A fresh token. node:crypto is loaded only here: loading it costs every plain exec several ms. */
export async function newExecToken(): Promise<string> {
  const {randomBytes} = await import('node:crypto')
  return randomBytes(16).toString('hex')
}

export interface StopOutcome {
  /** Every process of the command is gone. */
  stopped: boolean
  /** Why it may still be running, when not stopped. */
  reason?: string
}

/** Keeps the first few KiB of the stop exec's words. */
class Collect extends Writable {
  text = ''
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    if (this.text.length < 4096) this.text += chunk.toString()
    callback()
  }
}

/** The exit code, polled briefly: daemons can say Running for a moment after the output ended. */
async function exitCodeOf(api: DockerApi, execId: string): Promise<number | null> {
  for (let delay = 5; delay < 1000; delay *= 2) {
    const info = await api.inspectExec(execId)
    if (!info.Running && typeof info.ExitCode === 'number') return info.ExitCode
    await new Promise((resolve) => setTimeout(resolve, delay))
  }
  return null
}

/**
 * Stops the exec marked with `token` in `container`: resolves once its processes are gone or the stop
 * could not be done (never rejects). `user`: the timed exec's, so /proc/PID/environ is readable.
 */
export async function stopMarkedExec(api: DockerApi, container: string, token: string, killAfterMs: number, user?: string): Promise<StopOutcome> {
  try {
    const execId = await api.createExec(container, {
      AttachStdin: false, AttachStdout: true, AttachStderr: true, Tty: false,
      Cmd: stopCommand(token, killAfterMs),
      ...(user && {User: user}),
    })
    const {socket} = await api.startExec(execId, false)
    const out = new Collect()
    await runSession({socket, tty: false, stdout: out, stderr: out, halfClose: true})
    const code = await exitCodeOf(api, execId)
    if (code === 0) return {stopped: true}
    if (code === STOP_UNSUPPORTED) return {stopped: false, reason: 'the container has no grep, tr or /proc to find its processes'}
    if (code === 126 || code === 127) return {stopped: false, reason: 'the container has no sh to run the stop'}
    return {stopped: false, reason: out.text.trim() || `the stop exec exited ${code ?? 'without a status'}`}
  } catch (error) {
    // A container that stopped took its execs with it.
    if (error instanceof DaemonError && error.statusCode === 409 && /is not running/.test(error.daemonMessage)) return {stopped: true}
    return {stopped: false, reason: error instanceof HijackError ? error.message : String(error)}
  }
}
