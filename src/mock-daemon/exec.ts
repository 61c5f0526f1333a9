// Exec instances: their records (for inspect) and running one over a hijacked connection.
import type {Socket} from 'node:net'
import type {Readable, Writable} from 'node:stream'
import type {ExecInspectInfo} from 'dockerode'
import {STDERR, STDOUT} from '../transport/stdcopy.js'
import type {Container} from './containers.js'
import {newId} from './containers.js'
import {CLIENT_BUFFER_AFTER_EXIT, discardInput, exitAfterOutput, type OutputStream, type OutputType, pumpStdin} from './hijacked.js'
import type {MockProcess} from './runtime.js'
import {detachFilter} from './stdin.js'

export interface ExecConfig {
  cmd: string[]
  tty: boolean
  attachStdin: boolean
  attachStdout: boolean
  attachStderr: boolean
  env: string[]
  workdir: string
  user: string
  privileged: boolean
  detachKeys: string
  consoleSize?: [number, number]
}

export class ExecRecord {
  readonly id = newId()
  running = false
  started = false
  exitCode: number | null = null
  pid = 0
  process: MockProcess | undefined
  /** Settles once the exit code is recorded (after the output was read to the end). */
  finished: Promise<void> = Promise.resolve()
  /** When the exit code was recorded (Date.now()), 0 before. */
  exitedAt = 0
  private startWaiters: (() => void)[] = []

  constructor(readonly container: Container, readonly config: ExecConfig, private readonly track: (p: MockProcess) => void) {}

  /** Starts the process; output must be consumed by the caller. */
  start(): MockProcess {
    const {config, container} = this
    const proc = container.runtime.spawn({
      cmd: config.cmd,
      env: [...container.env, ...config.env],
      workdir: config.workdir || container.spec.workdir || undefined,
      user: config.user || undefined,
      tty: config.tty,
      consoleSize: config.consoleSize,
    })
    this.track(proc)
    container.emit(`exec_start: ${config.cmd.join(' ')}`, {execID: this.id})
    this.process = proc
    this.started = true
    this.running = true
    this.pid = proc.pid ?? 0
    proc.stdin.on('error', () => {})
    // Like dockerd, the execs of a container that stops die with it.
    const forget = container.onStopped(() => proc.kill('SIGKILL'))
    this.finished = exitAfterOutput(proc).then((code) => {
      // Its background children still die with the container.
      if (!proc.hasOrphans?.()) forget()
      this.exitCode = code
      this.running = false
      this.exitedAt = Date.now()
      container.emit('exec_die', {execID: this.id, exitCode: String(code)})
      // Like dockerd, the container lists only execs that have not ended; inspect by id still works.
      container.execIds.delete(this.id)
      // The record stays for inspect; the process, its streams and the session they reach do not.
      this.process = undefined
    })
    for (const resolve of this.startWaiters) resolve()
    this.startWaiters = []
    return proc
  }

  /** Resolves when started (resize may come before start; dockerd waits too), false after `ms`. */
  waitStarted(ms: number): Promise<boolean> {
    if (this.started) return Promise.resolve(true)
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms)
      this.startWaiters.push(() => {
        clearTimeout(timer)
        resolve(true)
      })
    })
  }

  /** Exited at least `ms` ago: the daemon may forget it. */
  expired(now: number, ms: number): boolean {
    return !this.running && this.exitCode !== null && now - this.exitedAt >= ms
  }

  inspect(now = Date.now()): ExecInspectInfo {
    const delay = this.container.faults.exitCodeDelayMs ?? 0
    // Fault exitCodeDelayMs: the exit is not visible yet.
    const hidden = !this.running && this.exitCode !== null && now - this.exitedAt < delay
    const {config} = this
    return {
      ID: this.id,
      Running: this.running || hidden,
      ExitCode: hidden ? null : this.exitCode,
      ProcessConfig: {
        tty: config.tty,
        entrypoint: config.cmd[0],
        arguments: config.cmd.slice(1),
        privileged: config.privileged,
        user: config.user,
      },
      OpenStdin: config.attachStdin,
      OpenStderr: config.attachStderr,
      OpenStdout: config.attachStdout,
      CanRemove: false,
      ContainerID: this.container.id,
      DetachKeys: config.detachKeys,
      Pid: this.pid,
    }
  }
}

/**
 * Drains a process stream into `output` with backpressure (or drops it when no output) while the
 * process runs. Once it has exited, a slow client is buffered for instead of waited for, up to
 * CLIENT_BUFFER_AFTER_EXIT; a client further behind keeps what it has and gets the end of the stream.
 */
export function pipeOutput(stream: Readable, type: OutputType, output: OutputStream | undefined, proc: MockProcess): void {
  stream.on('error', () => {})
  if (!output) {
    stream.resume()
    return
  }
  let exited = false
  proc.exited.then(() => {
    exited = true
    stream.resume()
  })
  stream.on('data', (data: Buffer) => {
    if (output.write(type, data)) return
    if (!exited) {
      stream.pause()
      output.wire.once('drain', () => stream.resume())
    } else if (output.buffered > CLIENT_BUFFER_AFTER_EXIT) output.finish()
  })
}

export interface ExecSession {
  socket: Socket
  leftover: Buffer
  clientEnded: boolean
  output: OutputStream
}

/**
 * Runs an exec over a hijacked connection: output until the process exits and its streams end (then FIN),
 * stdin until the client half-closes (then the process's stdin ends), and a vanished client kills it.
 */
export function runExec(record: ExecRecord, session: ExecSession): Promise<void> {
  const {socket, output} = session
  const {config} = record
  const proc = record.start()
  pipeOutput(proc.stdout, STDOUT, config.attachStdout ? output : undefined, proc)
  pipeOutput(proc.stderr, STDERR, config.attachStderr ? output : undefined, proc)
  let detached = false
  if (config.attachStdin) {
    const target: Writable = config.tty
      ? detachFilter(proc.stdin, config.detachKeys, () => {
        detached = true
        output.finish()
      })
      : proc.stdin
    pumpStdin(socket, session.leftover, session.clientEnded, target, () => target.end())
  } else {
    // A TTY without stdin is a terminal nobody types on, not an EOF (`script` would pass EOF on as ^D).
    if (!config.tty) proc.stdin.end()
    discardInput(socket, session.clientEnded, () => {})
  }
  let done = false
  socket.once('close', () => {
    if (!done && !detached) proc.kill('SIGKILL')
  })
  return record.finished.then(() => {
    done = true
    // The exit code is recorded before the client sees the end of the stream (the Docker CLI inspects once).
    output.finish()
  })
}

/** `exec -d`: run in the background, output dropped. */
export function runDetached(record: ExecRecord): void {
  const proc = record.start()
  proc.stdin.end()
  pipeOutput(proc.stdout, STDOUT, undefined, proc)
  pipeOutput(proc.stderr, STDERR, undefined, proc)
}
