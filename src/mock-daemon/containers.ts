// Mock containers: identity, state that follows the main process, its output log and attached clients.
import {randomBytes} from 'node:crypto'
import {constants as osConstants} from 'node:os'
import type {Readable} from 'node:stream'
import type {ContainerInfo, ContainerInspectInfo} from 'dockerode'
import {STDERR, STDOUT} from '../transport/stdcopy.js'
import type {ContainerSpec} from './config.js'
import {containerActor, type EventBus} from './events.js'
import type {Faults} from './faults.js'
import {CLIENT_BUFFER_AFTER_EXIT, exitAfterOutput, type OutputType} from './hijacked.js'
import {OutputLog, type TimedLogEntry} from './output-log.js'
import type {MockProcess, Runtime} from './runtime.js'

export const ZERO_TIME = '0001-01-01T00:00:00Z'
/** What Docker puts in a container's Env when the image says nothing. */
export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

export function newId(): string {
  return randomBytes(32).toString('hex')
}

/** Docker's (go-units) HumanDuration, as in `Up 5 seconds` and `Exited (0) 2 minutes ago`. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000)
  if (seconds < 1) return 'Less than a second'
  if (seconds === 1) return '1 second'
  if (seconds < 60) return `${seconds} seconds`
  const minutes = Math.floor(seconds / 60)
  if (minutes === 1) return 'About a minute'
  if (minutes < 60) return `${minutes} minutes`
  const hours = Math.floor(ms / 3_600_000 + 0.5)
  if (hours === 1) return 'About an hour'
  if (hours < 48) return `${hours} hours`
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`
}

/** The `Command` column of a container list: path, then arguments quoted when they hold a space. */
function commandLine(argv: readonly string[]): string {
  return argv.map((arg, i) => (i > 0 && arg.includes(' ') ? `'${arg}'` : arg)).join(' ')
}

export const IMAGE_ID = `sha256:${'0'.repeat(64)}`

/** An attached client as the container sees it. */
export interface Subscriber {
  wants(type: OutputType): boolean
  /** False: the client is full; `onDrain` tells when it has room again. */
  write(type: OutputType, data: Buffer): boolean
  onDrain(callback: () => void): void
  /** The main process has exited and all its output was written. */
  finish(): void
  /** Bytes written to it that the client has not taken yet. */
  buffered(): number
}

export type WaitCondition = 'not-running' | 'next-exit' | 'removed'

export interface ContainerOptions {
  runtime: Runtime
  faults: Faults
  logLimit: number
  /** Called for every process the container starts, so the daemon can kill them all at close. */
  track: (process: MockProcess) => void
  /** The daemon's GET /events log (lifecycle points emit to it). */
  events?: EventBus
}

export class Container {
  readonly id: string
  /** Changed by POST /containers/{id}/rename. */
  name: string
  readonly created = new Date().toISOString()
  readonly env: string[]
  readonly faults: Faults
  status: 'created' | 'running' | 'exited' = 'created'
  /** Frozen by POST /containers/{id}/pause (still running; see api-container-extras.ts). */
  paused = false
  exitCode = 0
  pid = 0
  startedAt = ZERO_TIME
  finishedAt = ZERO_TIME
  process: MockProcess | undefined
  /** The main process once it has exited (its output may still be flowing). */
  private exitedProcess: MockProcess | undefined
  /** Execs not ended yet, in creation order (a Set: thousands may come and go). */
  readonly execIds = new Set<string>()
  private log: OutputLog
  private readonly subscribers = new Set<Subscriber>()
  private readonly blocked = new Set<Subscriber>()
  private exitWaiters: ((code: number) => void)[] = []
  private readonly exitListeners = new Set<() => void>()
  private readonly startListeners = new Set<(process: MockProcess) => void>()
  private removalWaiters: ((code: number) => void)[] = []
  /** Set once DELETE /containers/{id} has taken it out of the store. */
  removed = false
  /** Why the last start failed (inspect State.Error), '' otherwise. */
  error = ''

  constructor(readonly spec: ContainerSpec, private readonly options: ContainerOptions) {
    this.id = spec.id ?? newId()
    this.name = spec.name
    this.faults = options.faults
    this.env = spec.env.some((e) => e.startsWith('PATH=')) ? spec.env : [DEFAULT_PATH, ...spec.env]
    this.log = new OutputLog(options.logLimit)
  }

  get running(): boolean {
    return this.status === 'running'
  }

  get runtime(): Runtime {
    return this.options.runtime
  }

  /** What runs: the entrypoint, then the command. */
  get argv(): string[] {
    return [...(this.spec.entrypoint ?? []), ...this.spec.cmd]
  }

  /** A start that failed before any process ran (Docker answers the start request with the error). */
  failStart(code: number, message: string): void {
    this.process = undefined
    this.error = message
    this.startedAt = new Date().toISOString()
    // Waiters, attach clients and AutoRemove learn of it as of any exit.
    this.settle(code)
  }

  start(): void {
    if (this.running) return
    const proc = this.options.runtime.spawn({cmd: this.argv, env: this.env, workdir: this.spec.workdir || undefined, tty: this.spec.tty, main: true})
    this.error = ''
    this.exitCode = 0
    this.options.track(proc)
    this.process = proc
    this.status = 'running'
    this.pid = proc.pid ?? 0
    this.startedAt = new Date().toISOString()
    this.finishedAt = ZERO_TIME
    if (!this.spec.openStdin && !this.spec.tty) proc.stdin.end()
    proc.stdin.on('error', () => {})
    this.collect(proc.stdout, STDOUT)
    this.collect(proc.stderr, STDERR)
    proc.exited.then(() => {
      // From here on slow clients are buffered for (up to a limit), not waited for: see collect().
      if (this.process !== proc) return
      this.exitedProcess = proc
      this.blocked.clear()
      this.setPaused(false)
    })
    exitAfterOutput(proc).then((code) => this.onExit(proc, code))
    this.emit('start')
    for (const listener of this.startListeners) listener(proc)
  }

  /** Runs each time a main process starts (an attach made before the start connects its stdin then). */
  onStarted(listener: (process: MockProcess) => void): () => void {
    this.startListeners.add(listener)
    return () => this.startListeners.delete(listener)
  }

  private collect(stream: Readable, type: OutputType): void {
    stream.on('data', (data: Buffer) => {
      this.log.push(type, data)
      for (const sub of this.subscribers) {
        if (!sub.wants(type) || sub.write(type, data)) continue
        if (this.exitedProcess !== this.process) this.block(sub)
        else if (sub.buffered() > CLIENT_BUFFER_AFTER_EXIT) {
          // The process has exited and this client is far behind: it keeps what it has, then ends.
          this.subscribers.delete(sub)
          sub.finish()
        }
      }
    })
    stream.on('error', () => {})
  }

  // Like dockerd, a full attach client slows the container down instead of losing its output.
  private block(sub: Subscriber): void {
    if (this.blocked.has(sub)) return
    this.blocked.add(sub)
    this.setPaused(true)
    sub.onDrain(() => this.unblock(sub))
  }

  private unblock(sub: Subscriber): void {
    if (this.blocked.delete(sub) && this.blocked.size === 0) this.setPaused(false)
  }

  private setPaused(paused: boolean): void {
    const proc = this.process
    if (!proc) return
    for (const stream of [proc.stdout, proc.stderr]) {
      if (paused) stream.pause()
      else stream.resume()
    }
  }

  private onExit(proc: MockProcess, code: number): void {
    if (this.process !== proc) return
    this.settle(code)
  }

  private settle(code: number): void {
    this.status = 'exited'
    this.paused = false
    this.exitCode = code
    this.finishedAt = new Date().toISOString()
    const subs = [...this.subscribers]
    this.subscribers.clear()
    this.blocked.clear()
    for (const sub of subs) sub.finish()
    const waiters = this.exitWaiters
    this.exitWaiters = []
    for (const resolve of waiters) resolve(code)
    for (const listener of this.exitListeners) listener()
    this.emit('die', {exitCode: String(code)})
  }

  /** An event about this container on the daemon's GET /events log. */
  emit(action: string, extra: Record<string, string> = {}): void {
    this.options.events?.emit(containerActor(this, extra), action)
  }

  /** The kept output with arrival times, for GET /containers/{id}/logs. */
  logEntries(): TimedLogEntry[] {
    return this.log.replayTimed()
  }

  /** Runs when the main process exits (execs of a stopped container die with it). */
  onStopped(listener: () => void): () => void {
    this.exitListeners.add(listener)
    return () => this.exitListeners.delete(listener)
  }

  /**
   * Sends the earlier output if asked, then follows the live output until the main process exits.
   * Like dockerd, a stream attach to a container that is not running waits for its next start
   * (`docker run` and `docker start -a` attach first, then start).
   */
  attach(sub: Subscriber, replayLogs: boolean, stream: boolean): () => void {
    if (replayLogs) {
      for (const entry of this.log.replay()) {
        if (sub.wants(entry.type)) sub.write(entry.type, entry.data)
      }
    }
    if (!stream || this.removed) {
      sub.finish()
      return () => {}
    }
    this.subscribers.add(sub)
    return () => {
      this.subscribers.delete(sub)
      this.unblock(sub)
    }
  }

  kill(signal: NodeJS.Signals): void {
    if (this.running) this.emit('kill', {signal: String(osConstants.signals[signal])})
    this.process?.kill(signal)
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
  }

  wait(condition: WaitCondition): Promise<number> {
    if (condition === 'removed') {
      if (this.removed) return Promise.resolve(this.exitCode)
      return new Promise((resolve) => this.removalWaiters.push(resolve))
    }
    if (condition === 'not-running' && !this.running) return Promise.resolve(this.exitCode)
    return new Promise((resolve) => this.exitWaiters.push(resolve))
  }

  /** Marks it removed (the caller has stopped it and takes it out of the store); ends its waiters and attach clients. */
  markRemoved(): void {
    if (this.removed) return
    this.removed = true
    const subs = [...this.subscribers]
    this.subscribers.clear()
    this.blocked.clear()
    for (const sub of subs) sub.finish()
    const waiters = [...this.exitWaiters, ...this.removalWaiters]
    this.exitWaiters = []
    this.removalWaiters = []
    for (const resolve of waiters) resolve(this.exitCode)
    this.startListeners.clear()
    // Exited exec records still point here for a few minutes: they need not keep the output.
    this.log = new OutputLog(0)
  }

  /** Docker's words for the state: `Up 3 seconds`, `Exited (0) 2 minutes ago`, `Created`. */
  statusText(now = Date.now()): string {
    if (this.running) return `Up ${humanDuration(now - Date.parse(this.startedAt))}${this.paused ? ' (Paused)' : ''}`
    if (this.startedAt === ZERO_TIME) return 'Created'
    return `Exited (${this.exitCode}) ${humanDuration(now - Date.parse(this.finishedAt))} ago`
  }

  /** The `GET /containers/json` entry. */
  summary(now = Date.now()): ContainerInfo {
    return {
      Id: this.id,
      Names: [`/${this.name}`],
      Image: this.spec.image,
      ImageID: IMAGE_ID,
      Command: commandLine(this.argv),
      Created: Math.floor(Date.parse(this.created) / 1000),
      Ports: [],
      Labels: {...this.spec.labels},
      State: this.paused ? 'paused' : this.status,
      Status: this.statusText(now),
      HostConfig: {NetworkMode: 'none'},
      NetworkSettings: {Networks: {}},
      Mounts: [],
    }
  }

  inspect(): ContainerInspectInfo {
    const {spec} = this
    const running = this.running
    const argv = this.argv
    return {
      Id: this.id,
      Created: this.created,
      Path: argv[0],
      Args: argv.slice(1),
      State: {
        Status: this.paused ? 'paused' : this.status,
        Running: running,
        Paused: this.paused,
        Restarting: false,
        OOMKilled: false,
        Dead: false,
        Pid: running ? this.pid : 0,
        ExitCode: running ? 0 : this.exitCode,
        Error: this.error,
        StartedAt: this.startedAt,
        FinishedAt: this.finishedAt,
      },
      Image: IMAGE_ID,
      ResolvConfPath: '',
      HostnamePath: '',
      HostsPath: '',
      LogPath: '',
      Name: `/${this.name}`,
      RestartCount: 0,
      Driver: 'mock',
      Platform: 'linux',
      MountLabel: '',
      ProcessLabel: '',
      AppArmorProfile: '',
      // dockerd sends null for none (a nil Go slice); the type says undefined.
      ExecIDs: this.execIds.size > 0 ? [...this.execIds] : (null as unknown as undefined),
      HostConfig: {...spec.hostConfig, NetworkMode: 'none'},
      GraphDriver: {Name: 'mock', Data: {DeviceId: '', DeviceName: '', DeviceSize: ''}},
      Mounts: [],
      Config: {
        Hostname: this.id.slice(0, 12),
        Domainname: '',
        User: '',
        AttachStdin: false,
        AttachStdout: false,
        AttachStderr: false,
        ExposedPorts: {},
        Tty: spec.tty,
        OpenStdin: spec.openStdin,
        StdinOnce: spec.stdinOnce,
        Env: [...this.env],
        Cmd: [...spec.cmd],
        ...(spec.entrypoint && spec.entrypoint.length > 0 ? {Entrypoint: [...spec.entrypoint]} : {}),
        Image: spec.image,
        Volumes: {},
        WorkingDir: spec.workdir,
        Labels: {...spec.labels},
        ...(spec.stopSignal ? {StopSignal: spec.stopSignal} : {}),
      },
      NetworkSettings: {SandboxID: '', Ports: {}, SandboxKey: '', Networks: {}},
    }
  }
}

/** Lookup by full id, unique id prefix, or name with or without the leading slash, like Docker. */
export class ContainerStore {
  private readonly list: Container[] = []

  add(container: Container): void {
    if (this.list.some((c) => c.id === container.id || c.name === container.name)) {
      throw new Error(`container ${container.name} (${container.id}) already exists`)
    }
    this.list.push(container)
  }

  all(): readonly Container[] {
    return this.list
  }

  remove(container: Container): void {
    const at = this.list.indexOf(container)
    if (at >= 0) this.list.splice(at, 1)
  }

  /** undefined when not found; throws AmbiguousError for a prefix that matches several ids. */
  find(ref: string): Container | undefined {
    if (ref === '') return undefined
    const byId = this.list.find((c) => c.id === ref)
    if (byId) return byId
    const name = ref.startsWith('/') ? ref.slice(1) : ref
    const byName = this.list.find((c) => c.name === name)
    if (byName) return byName
    if (!/^[0-9a-f]+$/.test(ref)) return undefined
    const matches = this.list.filter((c) => c.id.startsWith(ref))
    if (matches.length > 1) throw new AmbiguousError(ref)
    return matches[0]
  }
}

export class AmbiguousError extends Error {
  constructor(readonly ref: string) {
    super(`multiple IDs found with provided prefix: ${ref}`)
  }
}

/** `KILL`, `SIGKILL` or `9` to a Node signal name; undefined when unknown. */
export function parseSignal(raw: string): NodeJS.Signals | undefined {
  const value = raw.trim().toUpperCase()
  if (/^\d+$/.test(value)) {
    const n = Number(value)
    return (Object.keys(osConstants.signals) as NodeJS.Signals[]).find((name) => osConstants.signals[name] === n)
  }
  const name = (value.startsWith('SIG') ? value : `SIG${value}`) as NodeJS.Signals
  return name in osConstants.signals ? name : undefined
}
