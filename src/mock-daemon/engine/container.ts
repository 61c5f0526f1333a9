// A mock container: its identity, and its state as an explicit machine that follows the main process
// (created -> running -> exited -> running ... -> removed). What happens to it is told through three
// hooks (started, stopped, removed); waits and the lifecycle of attach clients are built on them. Each
// transition also goes on the daemon's event log (GET /events), from here and nowhere else.
import {randomBytes} from 'node:crypto'
import {constants as osConstants} from 'node:os'
import type {Readable} from 'node:stream'
import {STDERR, STDOUT} from '../../protocol/stdcopy.js'
import type {ContainerSpec} from '../config.js'
import type {Faults} from '../faults.js'
import {containerActor, type EventLog} from './event-log.js'
import {first, Hook} from './hook.js'
import {OutputFanout, type OutputType, type Subscriber} from './output-fanout.js'
import {OutputLog, type TimedLogEntry} from './output-log.js'
import {exitAfterOutput} from './process-output.js'
import {signalTree} from './process-tree.js'
import type {MockProcess, Runtime, SpawnSpec} from './runtime.js'

export const ZERO_TIME = '0001-01-01T00:00:00Z'
/** What Docker puts in a container's Env when the image says nothing. */
export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

export function newId(): string {
  return randomBytes(32).toString('hex')
}

/** 'removed': taken out of the daemon (exec records may still point here for a while). */
export type ContainerState = 'created' | 'running' | 'exited' | 'removed'

/** The moves the machine allows; a failed (re)start goes to 'exited' from either resting state. */
const TRANSITIONS: Record<ContainerState, readonly ContainerState[]> = {
  created: ['running', 'exited', 'removed'],
  running: ['exited'],
  exited: ['running', 'exited', 'removed'],
  removed: [],
}

export type WaitCondition = 'not-running' | 'next-exit' | 'removed'

export interface ContainerOptions {
  runtime: Runtime
  faults: Faults
  logLimit: number
  /** Called for every process the container starts, so the daemon can kill them all at close. */
  track: (process: MockProcess) => void
  /** The daemon's GET /events log. */
  events: EventLog
}

export class Container {
  readonly id: string
  /** Changed by rename(). */
  name: string
  readonly created = new Date().toISOString()
  readonly env: string[]
  readonly faults: Faults
  private current: ContainerState = 'created'
  /** Frozen by pause() (still running: a sub-state of running, as in dockerd). */
  paused = false
  exitCode = 0
  pid = 0
  startedAt = ZERO_TIME
  finishedAt = ZERO_TIME
  process: MockProcess | undefined
  /** Execs not ended yet, in creation order (a Set: thousands may come and go). */
  readonly execIds = new Set<string>()
  /** Why the last start failed (inspect State.Error), '' otherwise. */
  error = ''
  /** Each start of a main process (an attach made before the start connects its stdin then). */
  readonly started = new Hook<MockProcess>()
  /** The main process has exited (or failed to start): its exit code. Execs die with it. */
  readonly stopped = new Hook<number>()
  /** Taken out of the daemon: the last exit code. */
  readonly removal = new Hook<number>()
  private log: OutputLog
  private readonly output: OutputFanout
  /** Whether the current main process has exited (its output may still be flowing). */
  private processExited = false

  constructor(readonly spec: ContainerSpec, private readonly options: ContainerOptions) {
    this.id = spec.id ?? newId()
    this.name = spec.name
    this.faults = options.faults
    this.env = spec.env.some((e) => e.startsWith('PATH=')) ? spec.env : [DEFAULT_PATH, ...spec.env]
    this.log = new OutputLog(options.logLimit)
    this.output = new OutputFanout((paused) => this.setPaused(paused))
  }

  get state(): ContainerState {
    return this.current
  }

  /** Docker's State.Status (a removed container shows how it was left). */
  get status(): 'created' | 'running' | 'exited' {
    if (this.current !== 'removed') return this.current
    return this.startedAt === ZERO_TIME ? 'created' : 'exited'
  }

  get running(): boolean {
    return this.current === 'running'
  }

  get removed(): boolean {
    return this.current === 'removed'
  }

  get runtime(): Runtime {
    return this.options.runtime
  }

  /** What runs: the entrypoint, then the command. */
  get argv(): string[] {
    return [...(this.spec.entrypoint ?? []), ...this.spec.cmd]
  }

  /** The main process's spawn spec. */
  private mainSpec(): SpawnSpec {
    return {cmd: this.argv, env: this.env, workdir: this.spec.workdir || undefined, tty: this.spec.tty, main: true}
  }

  private enter(next: ContainerState): void {
    if (!TRANSITIONS[this.current].includes(next)) throw new Error(`container ${this.name}: no way from ${this.current} to ${next}`)
    this.current = next
  }

  /**
   * Why the main process cannot start, from a runtime that can tell before spawning (see Runtime.check),
   * or undefined. A problem found is recorded as a failed start: waiters, attach clients and AutoRemove
   * learn of it as of any exit, with runc's exit code.
   */
  startProblem(): string | undefined {
    const problem = this.runtime.check?.(this.mainSpec())
    if (!problem) return undefined
    const message = `failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: ${problem.detail}: unknown`
    this.process = undefined
    this.error = message
    this.startedAt = new Date().toISOString()
    this.settle(problem.code)
    return message
  }

  start(): void {
    if (this.running || this.removed) return
    const proc = this.options.runtime.spawn(this.mainSpec())
    this.enter('running')
    this.error = ''
    this.exitCode = 0
    this.options.track(proc)
    this.process = proc
    this.processExited = false
    this.pid = proc.pid ?? 0
    this.startedAt = new Date().toISOString()
    this.finishedAt = ZERO_TIME
    if (!this.spec.openStdin && !this.spec.tty) proc.stdin.end()
    proc.stdin.on('error', () => {})
    this.collect(proc.stdout, STDOUT)
    this.collect(proc.stderr, STDERR)
    proc.exited.then(() => {
      if (this.process !== proc) return
      this.processExited = true
      this.output.release()
    })
    exitAfterOutput(proc).then((code) => {
      if (this.process === proc) this.settle(code)
    })
    this.emit('start')
    this.started.emit(proc)
  }

  private collect(stream: Readable, type: OutputType): void {
    stream.on('data', (data: Buffer) => {
      this.log.push(type, data)
      this.output.publish(type, data, this.processExited)
    })
    stream.on('error', () => {})
  }

  private setPaused(paused: boolean): void {
    const proc = this.process
    if (!proc) return
    for (const stream of [proc.stdout, proc.stderr]) {
      if (paused) stream.pause()
      else stream.resume()
    }
  }

  /** The main process is over (exited, or never started): record it and tell everyone once. */
  private settle(code: number): void {
    if (this.current !== 'removed') this.enter('exited')
    this.paused = false
    this.exitCode = code
    this.finishedAt = new Date().toISOString()
    this.output.finishAll()
    this.emit('die', {exitCode: String(code)})
    this.stopped.emit(code)
  }

  /** An event about this container on the daemon's GET /events log. */
  emit(action: string, extra: Record<string, string> = {}): void {
    this.options.events.emit(containerActor(this, extra), action)
  }

  /** The kept output with arrival times, for GET /containers/{id}/logs. */
  logEntries(): TimedLogEntry[] {
    return this.log.replayTimed()
  }

  /**
   * Sends the earlier output if asked, then follows the live output until the main process exits.
   * Like dockerd, a stream attach to a container that is not running waits for its next start
   * (`docker run` and `docker start -a` attach first, then start). Returns the detach function.
   */
  attach(sub: Subscriber, replayLogs: boolean, stream: boolean): () => void {
    if (replayLogs && sub.replayLog) sub.replayLog(this.log.replay())
    else if (replayLogs) {
      for (const entry of this.log.replay()) {
        if (sub.wants(entry.type)) sub.write(entry.type, entry.data)
      }
    }
    if (!stream || this.removed) {
      sub.finish()
      return () => {}
    }
    this.output.add(sub)
    return () => this.output.remove(sub)
  }

  kill(signal: NodeJS.Signals): void {
    if (this.running) this.emit('kill', {signal: String(osConstants.signals[signal])})
    this.process?.kill(signal)
  }

  /**
   * Freezes every process of the container (`roots`: the main process and running execs, with what they
   * started), as the cgroup freezer does: SIGSTOP to their process groups. The caller checks it is running.
   */
  pause(roots: readonly number[]): void {
    signalTree(roots, 'SIGSTOP')
    this.paused = true
    this.emit('pause')
  }

  unpause(roots: readonly number[]): void {
    signalTree(roots, 'SIGCONT')
    this.paused = false
    this.emit('unpause')
  }

  /** The caller has checked the name is valid and free. */
  rename(name: string): void {
    const oldName = this.name
    this.name = name
    this.emit('rename', {oldName: `/${oldName}`})
  }

  /** Records UpdateConfig fields for inspect (nothing is applied, as HostConfig is not). */
  update(fields: Record<string, unknown>): void {
    const hostConfig = this.spec.hostConfig ?? {}
    for (const [key, value] of Object.entries(fields)) if (value !== undefined && value !== null) hostConfig[key] = value
    this.spec.hostConfig = hostConfig
    this.emit('update')
  }

  /** TERM (or the StopSignal), then KILL after `seconds` (-1: never); resolves once the main process has exited. */
  async stop(seconds = this.spec.stopTimeout ?? 10, signal: NodeJS.Signals = this.spec.stopSignal ?? 'SIGTERM'): Promise<void> {
    if (!this.running) return
    const exited = this.wait('next-exit')
    this.kill(signal)
    if (seconds >= 0) {
      const timer = setTimeout(() => this.kill('SIGKILL'), seconds * 1000)
      await exited
      clearTimeout(timer)
    } else await exited
    this.emit('stop')
  }

  /**
   * stop(), then a new main process (unless removed meanwhile). Returns why it could not start
   * (see startProblem), or undefined.
   */
  async restart(seconds?: number, signal?: NodeJS.Signals): Promise<string | undefined> {
    await this.stop(seconds, signal)
    if (this.removed) return undefined
    if (!this.running) {
      const problem = this.startProblem()
      if (problem) return problem
      this.start()
    }
    this.emit('restart')
    return undefined
  }

  /** The exit code once `condition` holds; a removal ends every wait. */
  wait(condition: WaitCondition): Promise<number> {
    if (this.removed) return Promise.resolve(this.exitCode)
    if (condition === 'removed') return new Promise((resolve) => this.removal.on(resolve))
    if (condition === 'not-running' && !this.running) return Promise.resolve(this.exitCode)
    return first(this.stopped, this.removal)
  }

  /** Marks it removed (the caller has stopped it and takes it out of the store); ends its waiters and attach clients. */
  markRemoved(): void {
    if (this.removed) return
    this.enter('removed')
    this.emit('destroy')
    this.output.finishAll()
    this.started.clear()
    this.removal.emit(this.exitCode)
    this.removal.clear()
    // Exited exec records still point here for a few minutes: they need not keep the output.
    this.log = new OutputLog(0)
  }
}
