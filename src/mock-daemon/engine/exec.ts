// Exec instances as a state machine (created -> running -> exited), their process and their record
// for inspect. No sockets: the API streams a running exec over a hijacked connection (api/exec.ts).
import type {ExecInspectInfo} from 'dockerode'
import {type Container, newId} from './container.js'
import {spawnExecProcess} from './exec-stop.js'
import {exitAfterOutput} from './process-output.js'
import type {MockProcess, SpawnProblem, SpawnSpec} from './runtime.js'

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

export type ExecState = 'created' | 'running' | 'exited'

export class ExecRecord {
  readonly id = newId()
  private current: ExecState = 'created'
  exitCode: number | null = null
  pid = 0
  process: MockProcess | undefined
  /** Settles once the exit code is recorded (after the output was read to the end). */
  finished: Promise<void> = Promise.resolve()
  /** When the exit code was recorded (Date.now()), 0 before. */
  exitedAt = 0
  private startWaiters: (() => void)[] = []

  constructor(readonly container: Container, readonly config: ExecConfig, private readonly track: (p: MockProcess) => void) {}

  get state(): ExecState {
    return this.current
  }

  get running(): boolean {
    return this.current === 'running'
  }

  /** Started once (an exec runs at most once). */
  get started(): boolean {
    return this.current !== 'created'
  }

  /** Starts the process; output must be consumed by the caller (see startDetached). */
  start(): MockProcess {
    const {config, container} = this
    if (this.current !== 'created') throw new Error(`exec ${this.id} has already run`)
    const proc = spawnExecProcess(container, config.cmd, config.env, () => container.runtime.spawn(this.spawnSpec()))
    this.track(proc)
    this.process = proc
    this.current = 'running'
    container.emit(`exec_start: ${config.cmd.join(' ')}`, {execID: this.id})
    this.pid = proc.pid ?? 0
    proc.stdin.on('error', () => {})
    // Like dockerd, the execs of a container that stops die with it.
    const forget = container.stopped.on(() => proc.kill('SIGKILL'))
    this.finished = exitAfterOutput(proc).then((code) => {
      // Its background children still die with the container.
      if (!proc.hasOrphans?.()) forget()
      this.exited(code)
      // The record stays for inspect; the process, its streams and the session they reach do not.
      this.process = undefined
    })
    this.wakeStartWaiters()
    return proc
  }

  /** What the runtime is asked to run for this exec. */
  private spawnSpec(): SpawnSpec {
    const {config, container} = this
    return {
      cmd: config.cmd,
      env: [...container.env, ...config.env],
      workdir: config.workdir || container.spec.workdir || undefined,
      user: config.user || undefined,
      tty: config.tty,
      consoleSize: config.consoleSize,
    }
  }

  /** Why the command cannot start, when the runtime can tell before spawning (Runtime.check); else undefined. */
  startProblem(): SpawnProblem | undefined {
    return this.container.runtime.check?.(this.spawnSpec())
  }

  /** A start that fails before any process runs (podman's runc errors): straight to exited with `code`. */
  failStart(code: number): void {
    if (this.current !== 'created') throw new Error(`exec ${this.id} has already run`)
    this.current = 'running'
    this.container.emit(`exec_start: ${this.config.cmd.join(' ')}`, {execID: this.id})
    this.exited(code)
    this.wakeStartWaiters()
  }

  private exited(code: number): void {
    this.exitCode = code
    this.current = 'exited'
    this.exitedAt = Date.now()
    this.container.emit('exec_die', {execID: this.id, exitCode: String(code)})
    // Like dockerd, the container lists only execs that have not ended; inspect by id still works.
    this.container.execIds.delete(this.id)
  }

  private wakeStartWaiters(): void {
    for (const resolve of this.startWaiters) resolve()
    this.startWaiters = []
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

  /** `exec -d`: runs in the background, its stdin closed and its output dropped. */
  startDetached(): void {
    const proc = this.start()
    proc.stdin.end()
    for (const stream of [proc.stdout, proc.stderr]) {
      stream.on('error', () => {})
      stream.resume()
    }
  }

  /** Exited at least `ms` ago: the daemon may forget it. */
  expired(now: number, ms: number): boolean {
    return this.current === 'exited' && now - this.exitedAt >= ms
  }

  inspect(now = Date.now()): ExecInspectInfo {
    const delay = this.container.faults.exitCodeDelayMs ?? 0
    // Fault exitCodeDelayMs: the exit is not visible yet.
    const hidden = this.current === 'exited' && now - this.exitedAt < delay
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
