// Stopping an exec. The Engine API has no exec kill (moby#35703), so a stoppable exec is started with a
// unique token in its environment, and stopping it is a second exec in the same container that signals
// every process whose environment carries that token (its children inherit it). The mock daemon reads
// the same command (parseStopCommand) and does the stop natively.
import {Writable} from 'node:stream'
import type {DockerApi} from './docker-api.js'
import {DaemonError, HijackError} from './errors.js'
import {runSession} from './session.js'

/** The variable that marks a stoppable exec. */
export const EXEC_TOKEN_ENV = 'HIJACK_EXEC_TOKEN'
/** $0 of the stop script: how the mock daemon (and a reader of `ps`) recognises it. */
export const STOP_SCRIPT_NAME = 'hijack-exec-stop'
/** The stop script's status when the container lacks what it needs (grep, /proc). */
export const STOP_UNSUPPORTED = 3

/** A fresh token. node:crypto is loaded only here: loading it costs every plain exec several ms. */
export async function newExecToken(): Promise<string> {
  const {randomBytes} = await import('node:crypto')
  return randomBytes(16).toString('hex')
}

export function execTokenEnv(token: string): string {
  return `${EXEC_TOKEN_ENV}=${token}`
}

/**
 * POSIX sh (busybox ash included): TERM every marked process, look again every 0.1 s until none is
 * left or the grace period is over, then KILL what remains. Exits 0 once none is left.
 * Zombies have an empty environ, so a killed process stops matching at once.
 */
const STOP_SCRIPT = [
  'm="$1"; n="$2"',
  `command -v grep >/dev/null 2>&1 && command -v tr >/dev/null 2>&1 && [ -r /proc/self/environ ] || exit ${STOP_UNSUPPORTED}`,
  // One variable a line: busybox grep stops reading a line at its first NUL.
  'marked() { for d in /proc/[0-9]*; do [ "${d#/proc/}" = "$$" ] || ! { tr "\\0" "\\n" <"$d/environ"; } 2>/dev/null | grep -qxF "$m" || echo "${d#/proc/}"; done; }',
  'p=$(marked); [ -z "$p" ] && exit 0',
  'kill -TERM $p 2>/dev/null',
  'i=0',
  'while [ "$i" -lt "$n" ]; do',
  '  sleep 0.1 2>/dev/null || { sleep 1; i=$((i+9)); }',
  '  p=$(marked); [ -z "$p" ] && exit 0',
  '  i=$((i+1))',
  'done',
  'kill -KILL $p 2>/dev/null',
  'sleep 0.1 2>/dev/null || sleep 1',
  'p=$(marked); [ -z "$p" ] && exit 0',
  'echo "still running: $p"; exit 1',
].join('\n')

/** The stop exec's command: SIGTERM now, SIGKILL after `killAfterMs`. */
export function stopCommand(token: string, killAfterMs: number): string[] {
  return ['sh', '-c', STOP_SCRIPT, STOP_SCRIPT_NAME, execTokenEnv(token), String(Math.max(1, Math.ceil(killAfterMs / 100)))]
}

/** The token and grace period of a stop command, or undefined for any other command. */
export function parseStopCommand(cmd: readonly string[]): {token: string; killAfterMs: number} | undefined {
  if (cmd.length !== 6 || cmd[0] !== 'sh' || cmd[1] !== '-c' || cmd[2] !== STOP_SCRIPT || cmd[3] !== STOP_SCRIPT_NAME) return undefined
  const mark = `${EXEC_TOKEN_ENV}=`
  if (!cmd[4].startsWith(mark) || !/^\d+$/.test(cmd[5])) return undefined
  return {token: cmd[4].slice(mark.length), killAfterMs: Number(cmd[5]) * 100}
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
