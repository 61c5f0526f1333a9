// One container of a fan-out: create the exec (marked, so it can be stopped), stream it into its
// writers, and turn whatever happens into an outcome. Errors stay with this container.
import {finished} from 'node:stream/promises'
import type {PassThrough} from 'node:stream'
import type {DockerApi} from '../../transport/docker-api.js'
import {HijackError} from '../../transport/errors.js'
import {execTokenEnv, newExecToken, stopMarkedExec} from '../../transport/exec-stop.js'
import {runSession} from '../../transport/session.js'
import {sessionQuietEnd, withDeadline, timeoutMessage} from '../exec-deadline.js'
import {execExitCode} from '../exec-exit-code.js'
import {expectedFailure} from '../report.js'
import type {CountingWriter} from './line-prefixer.js'
import type {ExecOutcome, TargetRecord, Verdict} from './results.js'

/** One session of a fan-out: a container of a selection, or a swarm service's task. */
export interface FanoutTarget {
  /** Prefixes its output lines and our messages about it: `NAME`, `HOST/NAME` or `service.slot@node`. */
  label: string
  /** The container to exec in. */
  ref: string
  /** Its daemon; absent when `error` says why it cannot run. */
  api?: Promise<DockerApi>
  /** Why it cannot run; reported with its label, the others unaffected. */
  error?: HijackError
  /** How --json names it. */
  record: TargetRecord
}

export interface ExecSpec {
  cmd: string[]
  env: string[]
  user?: string
  workdir?: string
  privileged?: boolean
  timeoutMs?: number
  killAfterMs: number
}

export interface TargetRun {
  target: FanoutTarget
  /** Its share of our stdin (-i), or undefined. */
  input?: PassThrough
  /**
   * Called once this session reads no more of `input` (a stdin write failed, the output ended): the
   * others must not wait for it to drain.
   */
  releaseInput?: () => void
  writers: {stdout: CountingWriter; stderr: CountingWriter}
  /** --fail-fast: stop this one too. */
  cancel: AbortSignal
  /** Prints one of our own lines (errors, timeouts) with this container's prefix. */
  say: (message: string) => void
}

export interface TargetResult {
  outcome: ExecOutcome
  verdict: Verdict
}

export async function runTarget(run: TargetRun, spec: ExecSpec): Promise<TargetResult> {
  const {target, writers} = run
  const started = Date.now()
  const result = (verdict: Verdict, exitCode: number | null, error: string | null): TargetResult => ({
    verdict,
    outcome: {
      ...target.record, exitCode, durationMs: Date.now() - started,
      bytesOut: writers.stdout.bytes, bytesErr: writers.stderr.bytes, error, timedOut: verdict.kind === 'timed-out',
    },
  })
  try {
    if (target.error || !target.api) throw target.error ?? new HijackError('no daemon to run on')
    if (run.cancel.aborted) return result({kind: 'cancelled'}, null, 'not started: --fail-fast')
    const api = await target.api
    const token = await newExecToken()
    const execId = await api.createExec(target.ref, {
      AttachStdin: run.input !== undefined, AttachStdout: true, AttachStderr: true, Tty: false,
      Cmd: spec.cmd,
      Env: [...spec.env, execTokenEnv(token)],
      ...(spec.workdir && {WorkingDir: spec.workdir}),
      ...(spec.user && {User: spec.user}),
      ...(spec.privileged && {Privileged: true}),
    })
    const {socket} = await api.startExec(execId, false)
    const abort = new AbortController()
    const quiet = new AbortController()
    const session = runSession({
      socket, tty: false, stdin: run.input, stdout: writers.stdout, stderr: writers.stderr, halfClose: true, signal: abort.signal,
      endWhenQuiet: sessionQuietEnd(quiet.signal), onInputStopped: run.releaseInput,
    })
    const ended = await withDeadline(session, {
      timeoutMs: spec.timeoutMs,
      cancel: run.cancel,
      stop: () => stopMarkedExec(api, target.ref, token, spec.killAfterMs, spec.user),
      endWhenQuiet: () => quiet.abort(),
      abort: () => abort.abort(),
    })
    await endWriters(run)
    if (ended.ended === 'timeout') {
      const message = timeoutMessage('', spec.timeoutMs ?? 0, ended.stop)
      run.say(message)
      return result({kind: 'timed-out'}, null, message)
    }
    if (ended.ended === 'cancelled') {
      return result({kind: 'cancelled'}, null, ended.stop.stopped ? 'stopped: --fail-fast' : `stopped: --fail-fast, but ${ended.stop.reason}; it may still be running`)
    }
    const code = await execExitCode(api, execId)
    return result(code === 0 ? {kind: 'ok'} : {kind: 'failed', code}, code, null)
  } catch (error) {
    // A stream cut inside a frame (a ProtocolError) is this container's failure too, never the run's.
    const failure = expectedFailure(error)
    if (!failure) throw error
    await endWriters(run)
    run.say(failure.message)
    return result({kind: 'failed', code: failure.exitCode}, null, failure.message)
  }
}

/** Flushes the last partial lines; a writer that failed has nothing more to give. */
async function endWriters(run: TargetRun): Promise<void> {
  const {stdout, stderr} = run.writers
  if (!stdout.writableEnded) stdout.end()
  if (!stderr.writableEnded) stderr.end()
  await Promise.all([finished(stdout).catch(() => {}), finished(stderr).catch(() => {})])
}
