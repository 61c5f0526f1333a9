// ssh:// daemons, as docker/cli's connhelper reaches them: the system's `ssh` (so the user's
// ~/.ssh/config, agent and known_hosts apply), with HTTP over `docker system dial-stdio` on the remote
// host. Beyond Docker, which pays a full ssh handshake and a remote session per connection: a run makes
// one handshake, an OpenSSH ControlMaster, and its connections are channels the master forwards to the
// remote daemon's socket (see ssh-forward), or else dial-stdio sessions over the master. Everything is
// torn down when the process exits; nothing is left running.
import type {ChildProcess} from 'node:child_process'
import {existsSync, mkdtempSync, rmdirSync, rmSync, unlinkSync, watch, type FSWatcher} from 'node:fs'
import net, {type Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {CommandConnection} from './command-connection.js'
import {SshError} from './errors.js'
import type {DockerHost} from './host.js'
import {ENDPOINT_MARKER, openForward, remoteSocketPath} from './ssh-forward.js'
import {spawnTied} from './tied-child.js'

type SshHost = Extract<DockerHost, {kind: 'ssh'}>

/** Docker's own ssh options: a 30 s connect timeout and no pseudo-terminal (no login shell). */
const BASE_OPTIONS = ['-o', 'ConnectTimeout=30', '-T']

/** Quotes a word for the remote shell (ssh joins the remote command with spaces). */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`
}

/** Docker's remote command: `docker system dial-stdio`, with the URL's socket when it names one. */
function dialStdioCommand(host: SshHost): string[] {
  return host.socketPath
    ? ['docker', shellQuote(`--host=unix://${host.socketPath}`), 'system', 'dial-stdio']
    : ['docker', 'system', 'dial-stdio']
}

/**
 * The master's remote command when the URL names no socket: the remote `docker` first says which
 * endpoint it uses (DOCKER_HOST or its context, as dial-stdio resolves it), then runs dial-stdio.
 * Double quotes and `&&` mean the same to sh, bash, zsh, fish, csh, cmd.exe and PowerShell 7 (not to
 * Windows PowerShell 5.1, which has no `&&`: there, name the socket in the URL).
 */
function reportingDialStdioCommand(): string[] {
  return ['docker', 'context', 'inspect', '--format', `"${ENDPOINT_MARKER}{{.Endpoints.docker.Host}}"`, '&&', 'docker', 'system', 'dial-stdio']
}

/** `ssh` arguments for one connection to `host`, `extra` options placed before the host. */
export function sshArgs(host: SshHost, extra: readonly string[] = [], remote: readonly string[] = dialStdioCommand(host)): string[] {
  return [
    ...(host.user !== undefined ? ['-l', host.user] : []),
    ...(host.port !== undefined ? ['-p', String(host.port)] : []),
    ...BASE_OPTIONS,
    ...extra,
    '--',
    host.hostname,
    ...remote,
  ]
}

/**
 * How long a connection that failed through the forward waits to learn that the master ended (that is
 * why, almost always); and how long after the master's exit its pipes may stay open (a ProxyCommand
 * that inherited them) before its end is taken as known.
 */
const MASTER_END_WAIT_MS = 2000

/** Every ssh child of this process, so none outlives it. */
const children = new Set<ChildProcess>()
/** Control directories to remove at exit. */
const controlDirs = new Set<string>()
let cleanupInstalled = false

/** Signals that would end this process without an 'exit' event while ssh children run. */
const FATAL_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']

/** What a control directory holds: the master's socket and the forward's. */
const CONTROL_FILES = ['master', 'daemon.sock']

/**
 * Removes a control directory. Its two known files go first: a recursive rmSync loads Node's rimraf
 * (~3 ms, and this runs at every exit); it is the fallback should anything else be there.
 */
function removeControlDir(dir: string): void {
  for (const name of CONTROL_FILES) {
    try {
      unlinkSync(join(dir, name))
    } catch {
      // Not there (ssh removed its socket, or no forward was made).
    }
  }
  try {
    rmdirSync(dir)
  } catch {
    rmSync(dir, {recursive: true, force: true})
  }
}

function killAll(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
  children.clear()
  for (const dir of controlDirs) removeControlDir(dir)
  controlDirs.clear()
}

function installCleanup(): void {
  if (cleanupInstalled) return
  cleanupInstalled = true
  process.on('exit', killAll)
  // ssh runs in its own session (as Docker starts it), so a terminal's ^C does not reach it: a signal
  // that ends us must end it too. Someone else listening (attach's signal proxy, raw mode) decides
  // whether the process ends; it exits through process.exit, which runs killAll.
  for (const signal of FATAL_SIGNALS) {
    process.on(signal, function onFatalSignal() {
      if (process.listenerCount(signal) > 1) return
      killAll()
      process.off(signal, onFatalSignal)
      process.kill(process.pid, signal)
    })
  }
}

function spawnSsh(args: string[]): ChildProcess {
  installCleanup()
  // Tied to this process: even a SIGKILL of hijack, which runs no handler, ends it.
  const child = spawnTied('ssh', args)
  children.add(child)
  child.on('exit', () => children.delete(child))
  child.on('error', () => children.delete(child))
  return child
}

/** The ssh connections to one host during this run. */
class SshHostConnections {
  private controlPath: string | undefined
  /** Settles once the master is up (its control socket exists, or it answered) or gone; later connections wait for it. */
  private masterUp: Promise<void> | undefined
  private masterAlive = false
  /** Settles once the forward to the remote daemon works (its local socket) or will not be used. */
  private forward: Promise<string | undefined> | undefined
  private forwardPath: string | undefined
  /** The master ended while connections went through its forward. */
  private lostForwards = false
  /** Some connection went through the forward (its loss then means the master's). */
  private usedForward = false
  /** The master's own connection (its dial-stdio), until a caller takes it. */
  private masterStream: Socket | undefined
  /** Settles once the master's connection has closed, with its failure if it failed. */
  private masterEnded: Promise<Error | undefined> = Promise.resolve(undefined)

  constructor(private readonly host: SshHost) {}

  dial(): Socket {
    if (!this.masterAlive || !this.controlPath || !this.masterUp) {
      this.startMaster()
      return this.takeMasterStream() ?? this.muxSession()
    }
    if (this.forwardPath) return this.throughForward(this.forwardPath)
    return this.takeMasterStream() ?? this.muxSession()
  }

  /**
   * A connection that may wait, while the master is starting, to learn whether it can be a channel
   * forwarded by the master: the run's first calls then skip the remote dial-stdio's start-up too (the
   * master's own stream stays unused). Without a forward it is the master's stream, or a dial-stdio
   * session multiplexed over the master. If the master ended meanwhile (a failed login, a dropped
   * connection), that master's failure is the answer: a second login would only fail again, or ask
   * for a key touch twice.
   */
  async dialSoon(): Promise<Socket> {
    // Connections it forwarded were cut with it: their clean EOF hides that, so the run's next call
    // reports the master's failure (ssh's own words) instead of logging in again as if nothing happened.
    if (this.lostForwards) throw (await this.masterEnded) ?? this.connectionEnded()
    if (!this.masterAlive || !this.forward) this.startMaster()
    const ended = this.masterEnded
    await this.forward
    if (!this.masterAlive) throw (await ended) ?? this.connectionEnded()
    return this.forwardPath ? this.forwardedConnection(this.forwardPath, ended) : this.dial()
  }

  /**
   * A channel through the forward, once connected. A refused connection means the master is gone and
   * its listener with it, though its exit may not have been seen yet: the master's failure is the answer.
   */
  private async forwardedConnection(path: string, ended: Promise<Error | undefined>): Promise<Socket> {
    const socket = this.throughForward(path)
    const error = await new Promise<Error | undefined>((resolve) => {
      socket.once('connect', () => {
        socket.off('error', resolve)
        resolve(undefined)
      })
      socket.once('error', resolve)
    })
    if (!error) return socket
    throw await this.failureOr(error, ended)
  }

  /**
   * `error` (a connection through the forward failed, or ended before any answer), unless the master
   * that carried it ended meanwhile or does within MASTER_END_WAIT_MS: then its failure, in ssh's words.
   */
  async failureOr(error: Error, ended: Promise<Error | undefined> = this.masterEnded): Promise<Error> {
    if (!this.controlPath) return error
    let timer: NodeJS.Timeout | undefined
    const outcome = await Promise.race([ended, new Promise<'alive'>((resolve) => {
      timer = setTimeout(resolve, MASTER_END_WAIT_MS, 'alive')
    })])
    clearTimeout(timer)
    if (outcome === 'alive') return error
    return outcome ?? this.connectionEnded()
  }

  private throughForward(path: string): Socket {
    this.usedForward = true
    return net.connect({path})
  }

  /** The master's own connection, once, if no one has taken it. */
  private takeMasterStream(): Socket | undefined {
    const stream = this.masterStream
    this.masterStream = undefined
    return stream?.ref()
  }

  /** Docker's way over the master: a remote session running dial-stdio. */
  private muxSession(): Socket {
    const args = sshArgs(this.host, ['-o', 'ControlMaster=no', '-o', `ControlPath=${this.controlPath}`])
    return new CommandConnection(`ssh ${this.host.url}`, this.masterUp!, () => spawnSsh(args)).asSocket()
  }

  private connectionEnded(): SshError {
    return new SshError(`ssh ${this.host.url}: the ssh connection ended (its output may be cut short)`)
  }

  /**
   * The run's one handshake: the master every other connection rides on. Its own stream (dial-stdio)
   * is kept aside until a caller needs it, which is only when no forward works.
   */
  private startMaster(): void {
    const dir = mkdtempSync(join(tmpdir(), 'hijack-ssh-'))
    controlDirs.add(dir)
    const controlPath = join(dir, 'master')
    this.controlPath = controlPath
    this.masterAlive = true
    // With the socket in the URL the master runs no remote command at all (-N): no remote shell, no
    // remote docker; everything goes through the forward, or through dial-stdio sessions without one.
    const discover = this.host.socketPath === undefined
    const masterOptions = ['-o', 'ControlMaster=yes', '-o', `ControlPath=${controlPath}`, '-o', 'ControlPersist=no']
    const args = discover ? sshArgs(this.host, masterOptions, reportingDialStdioCommand()) : sshArgs(this.host, [...masterOptions, '-N'], [])
    let up: () => void = () => {}
    this.masterUp = new Promise((resolve) => {
      up = resolve
    })
    let reported: (endpoint: string | undefined) => void = () => {}
    const remoteSocket = discover
      ? new Promise<string | undefined>((resolve) => {
        // Connections waiting to learn whether they can be forwarded do not wait past ssh's own timeout.
        const timer = setTimeout(() => resolve(undefined), 30_000).unref()
        reported = (endpoint) => {
          clearTimeout(timer)
          resolve(remoteSocketPath(endpoint))
        }
      })
      : Promise.resolve(this.host.socketPath)
    this.forward = this.startForward(dir, controlPath, remoteSocket)
    const preamble = discover ? {marker: ENDPOINT_MARKER, onLine: reported} : undefined
    let failure: Error | undefined
    let ended: (error: Error | undefined) => void = () => {}
    this.masterEnded = new Promise((resolve) => {
      ended = resolve
    })
    const connection = new CommandConnection(`ssh ${this.host.url}`, Promise.resolve(), () => {
      // The master opens its control socket once logged in, before its own session starts (a remote
      // shell and dial-stdio, often the slower part): later connections start from then, in parallel.
      const stopWatching = whenCreated(dir, controlPath, up)
      const child = spawnSsh(args)
      // Should the watch fail, the first answer byte also means the socket is there.
      child.stdout!.once('data', up)
      child.once('exit', stopWatching)
      child.once('exit', () => {
        reported(undefined)
        if (this.controlPath === controlPath) {
          this.masterAlive = false
          if (this.forwardPath && this.usedForward) this.lostForwards = true
          this.forwardPath = undefined
        }
        removeControlDir(dir)
        controlDirs.delete(dir)
        up()
      })
      child.once('error', () => {
        this.masterAlive = false
        reported(undefined)
        up()
      })
      // The connection turns the child's end into its own error first (on a later tick). Its end is
      // known at the latest MASTER_END_WAIT_MS after its exit (the timer also keeps waiters alive).
      let grace: NodeJS.Timeout | undefined
      child.once('exit', () => {
        grace = setTimeout(() => ended(failure), MASTER_END_WAIT_MS)
      })
      child.once('close', () => {
        clearTimeout(grace)
        setImmediate(() => ended(failure))
      })
      return child
    }, preamble)
    connection.on('error', (error: Error) => {
      failure = error
    })
    const stream = connection.asSocket()
    // A -N master carries no stream of its own; the connection still reports its failure.
    if (discover) this.masterStream = stream
    // Kept aside behind a working forward, it must not keep the process alive; while someone waits
    // for the forward, or will take its stream because there is none, it does. A -N master is not
    // taken by anyone: once the forward is settled, what uses it (channels, sessions) keeps us alive.
    void this.forward.then((path) => {
      if ((path && this.masterAlive && this.masterStream === stream) || !discover) stream.unref()
    })
  }

  /** Once the master is up and the remote socket known, forwards `<dir>/daemon.sock` to it. */
  private async startForward(dir: string, controlPath: string, remoteSocket: Promise<string | undefined>): Promise<string | undefined> {
    const [, remote] = await Promise.all([this.masterUp, remoteSocket])
    if (!remote || !this.masterAlive || this.controlPath !== controlPath) return undefined
    const local = join(dir, 'daemon.sock')
    const forwardArgs = sshArgs(this.host, ['-o', `ControlPath=${controlPath}`, '-O', 'forward', '-L', `${local}:${remote}`], [])
    const alive = (): boolean => this.masterAlive && this.controlPath === controlPath
    const works = await openForward({path: controlPath, remote, run: spawnSsh, forwardArgs, alive}, local)
    if (!works || !this.masterAlive || this.controlPath !== controlPath) return undefined
    this.forwardPath = local
    return local
  }
}

/** How often the control socket is looked for when no inotify watch can be had. */
const CREATED_POLL_MS = 20

/** Calls `then` once `path` (in `dir`) exists; returns what stops the watch early. Never throws. */
function whenCreated(dir: string, path: string, then: () => void): () => void {
  let watcher: FSWatcher | undefined
  let poll: NodeJS.Timeout | undefined
  const stop = (): void => {
    watcher?.close()
    watcher = undefined
    clearInterval(poll)
  }
  const check = (): void => {
    if (!existsSync(path)) return
    stop()
    then()
  }
  try {
    watcher = watch(dir, check)
    watcher.on('error', () => {
      stop()
      poll = setInterval(check, CREATED_POLL_MS).unref()
    })
    watcher.unref()
  } catch {
    // No inotify watch left (a -N master never answers a byte, which is the other sign): look instead.
    poll = setInterval(check, CREATED_POLL_MS).unref()
  }
  return stop
}

const hosts = new Map<string, SshHostConnections>()

function connectionsTo(host: SshHost): SshHostConnections {
  let connections = hosts.get(host.url)
  if (!connections) {
    connections = new SshHostConnections(host)
    hosts.set(host.url, connections)
  }
  return connections
}

/** A fresh connection to an ssh:// daemon: a forwarded channel, or a multiplexed dial-stdio session. */
export function dialSsh(host: SshHost): Socket {
  return connectionsTo(host).dial()
}

/** A fresh connection for later in the run: waits to know whether the forward works (see ssh-forward). */
export function dialSshSoon(host: SshHost): Promise<Socket> {
  return connectionsTo(host).dialSoon()
}

/** `error` from a connection to `host`, or the failure of the ssh master under it if that ended (see failureOr). */
export function sshFailureOr(host: SshHost, error: Error): Promise<Error> {
  return hosts.get(host.url)?.failureOr(error) ?? Promise.resolve(error)
}

/** Ends every ssh process this run started (the process's exit does this by itself). */
export function closeSshConnections(): void {
  killAll()
  hosts.clear()
}
