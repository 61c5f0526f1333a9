// The mock Docker daemon's public API: start it in-process from a test, or via `hijack mock-daemon`.
import {EventEmitter} from 'node:events'
import {chmodSync, lstatSync, mkdtempSync, rmSync, unlinkSync} from 'node:fs'
import {connect, createServer, isIP, type Server} from 'node:net'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {ConfigError, type DaemonConfig, loadDaemonConfigFile, type MockConfig, validateDaemonConfig} from './config.js'
import {type Faults, mergeFaults, parseFaultFlags, parseFaults} from './faults.js'
import {FLAVORS, type Flavor, flavorBehaviour, isFlavor} from './api/flavor.js'
import {route} from './api/router.js'
import {Engine} from './engine/engine.js'
import {BuiltinRuntime} from './engine/runtime-builtin.js'
import {ProcessRuntime} from './engine/runtime-process.js'
import type {Runtime} from './engine/runtime.js'
import {DEFAULT_LIMITS, type Limits} from './limits.js'
import {ConnectionServer} from './server/connections.js'
import {type RunningSwarm, startSwarmNodes} from './swarm-nodes.js'

export type {ContainerConfig, MockConfig, MockConfig as MockDaemonConfig, RuntimeName} from './config.js'
export {ConfigError} from './config.js'
export {FLAVORS, type Flavor} from './api/flavor.js'
export {FAULT_NAMES, FaultError, type Faults} from './faults.js'
export type {Limits} from './limits.js'
export type {RequestRecord} from './server/connections.js'
export type {MockProcess, Runtime, SpawnProblem, SpawnSpec} from './engine/runtime.js'
export {ProcessRuntime} from './engine/runtime-process.js'
export {BuiltinRuntime} from './engine/runtime-builtin.js'

export interface MockDaemonOptions {
  /** Unix socket path. Without `socket` and `listen`, a socket in a fresh temp dir (removed on close). */
  socket?: string
  /** `tcp://HOST:PORT`; loopback only unless `unsafeListen`. Port 0 picks a free port. */
  listen?: string
  unsafeListen?: boolean
  /** The config object, or a path to a JSON file. */
  config?: MockConfig | string
  /** The engine imitated where engines differ: "docker" (default) or "podman"; wins over the config's. */
  flavor?: Flavor
  /** Daemon-wide faults: an object like a container's `faults`, or `NAME=VALUE` strings. A container's own win. */
  faults?: Faults | Record<string, unknown> | string[]
  /** true: one line per request to stderr; a function receives the lines instead. */
  log?: boolean | ((line: string) => void)
  /** Replace the runtimes behind `"runtime": "process"` and `"builtin"`. */
  runtimes?: {process?: Runtime; builtin?: Runtime}
  limits?: Partial<Limits>
}

export interface MockDaemon {
  /** `unix:///path` or `tcp://127.0.0.1:PORT`: what to pass as DOCKER_HOST / -H. */
  url: string
  socketPath?: string
  port?: number
  /** 'request' {method, path, status, durationMs}, 'attach' {container, id}, 'exec-start' {id, container, detach}. */
  events: EventEmitter
  /** Inspect-shaped state of a container by name or id (undefined when unknown or removed). */
  container(ref: string): {id: string; name: string; running: boolean; exitCode: number; pid: number} | undefined
  /** A swarm manager (config `nodes`): each node's mock daemon; `close()` stops that node alone (its tasks' sessions end). */
  nodes?: {hostname: string; id: string; url: string; socketPath: string; close(): Promise<void>}[]
  /** Stops listening, ends every session, kills every process it started and removes the socket. */
  close(): Promise<void>
}

export class ListenError extends Error {}

const LOOPBACK_NAMES = new Set(['localhost', 'ip6-localhost'])

function isLoopback(host: string): boolean {
  if (LOOPBACK_NAMES.has(host.toLowerCase())) return true
  if (isIP(host) === 4) return host.startsWith('127.')
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1'
  return false
}

/** Parses `tcp://host:port` (port 0 allowed) and applies the loopback rule. */
export function parseListen(raw: string, unsafe = false): {host: string; port: number} {
  const m = /^tcp:\/\/(?:\[([^\]]+)\]|([^:/[\]]+)):(\d{1,5})\/?$/i.exec(raw.trim())
  if (!m) throw new ListenError(`invalid listen address "${raw}": expected tcp://127.0.0.1:PORT`)
  const host = m[1] ?? m[2]
  const port = Number(m[3])
  if (port > 65535) throw new ListenError(`invalid listen address "${raw}": bad port`)
  if (!unsafe && !isLoopback(host)) {
    throw new ListenError(`refusing to listen on ${host}: the mock daemon runs commands for anyone who connects; use a loopback address (127.0.0.1, ::1) or pass --unsafe-listen`)
  }
  return {host: host.toLowerCase() === 'localhost' ? '127.0.0.1' : host, port}
}

function isSocketAlive(path: string): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const probe = connect(path)
    probe.once('connect', () => {
      probe.destroy()
      resolvePromise(true)
    })
    probe.once('error', () => resolvePromise(false))
  })
}

/** Refuses a live socket or a non-socket file at `path`; removes a stale socket. */
async function prepareSocketPath(path: string): Promise<void> {
  let stat
  try {
    stat = lstatSync(path)
  } catch {
    return
  }
  if (!stat.isSocket()) throw new ListenError(`refusing to use ${path}: it exists and is not a socket`)
  if (await isSocketAlive(path)) throw new ListenError(`refusing to use ${path}: another daemon is listening on it`)
  unlinkSync(path)
}

function listenUnix(server: Server, path: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject)
    // The socket file is born 0600 (umask), not chmod-ed after a window where others could connect.
    let previous: number | undefined
    try {
      previous = process.umask(0o177)
    } catch {
      // workers cannot change the umask; the chmod below still applies
    }
    try {
      server.listen(path, () => {
        server.off('error', reject)
        try {
          chmodSync(path, 0o600)
        } catch (error) {
          reject(error)
          return
        }
        resolvePromise()
      })
    } finally {
      if (previous !== undefined) process.umask(previous)
    }
  })
}

function listenTcp(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      const address = server.address()
      resolvePromise(typeof address === 'object' && address ? address.port : port)
    })
  })
}

function daemonFaults(raw: MockDaemonOptions['faults']): Faults {
  if (raw === undefined) return {}
  // Merged with nothing, so contradictions in the daemon-wide set fail now, containers or not.
  return mergeFaults(Array.isArray(raw) ? parseFaultFlags(raw) : parseFaults(raw, 'daemon faults'), {})
}

async function daemonConfig(config: MockDaemonOptions['config']): Promise<DaemonConfig> {
  if (config === undefined) return {containers: [], defaultRuntime: 'process'}
  return typeof config === 'string' ? loadDaemonConfigFile(config) : validateDaemonConfig(config)
}

/** Node runs any timer longer than 2^31-1 ms (or Infinity) after 1 ms: refuse such limits. */
const MAX_TIMER_MS = 2 ** 31 - 1

function checkLimits(limits: Limits): Limits {
  for (const [name, value] of Object.entries(limits)) {
    const timer = name.endsWith('Ms')
    const low = timer ? 1 : 0
    const high = timer ? MAX_TIMER_MS : Number.MAX_SAFE_INTEGER
    if (!Number.isInteger(value) || value < low || value > high) {
      throw new ConfigError(`limits.${name}: expected an integer from ${low} to ${high}${timer ? ' (milliseconds)' : ' (bytes)'}, got ${value}`)
    }
  }
  return limits
}

/** Starts a mock daemon; every configured container's main process is running when this resolves. */
export async function startMockDaemon(options: MockDaemonOptions = {}): Promise<MockDaemon> {
  if (options.socket !== undefined && options.listen !== undefined) throw new ListenError('give either socket or listen, not both')
  const {containers: specs, defaultRuntime, swarm: swarmSpec, flavor: configFlavor} = await daemonConfig(options.config)
  const flavor = options.flavor ?? configFlavor
  if (flavor !== undefined && !isFlavor(flavor)) throw new ConfigError(`flavor: expected one of ${FLAVORS.join(', ')}`)
  const faults = daemonFaults(options.faults)
  const log = options.log === true ? (line: string) => process.stderr.write(`${line}\n`) : options.log || undefined
  const limits = checkLimits({...DEFAULT_LIMITS, ...options.limits})
  // A swarm manager: its nodes are mock daemons of their own, started first, closed with it.
  let running: RunningSwarm | undefined
  if (swarmSpec) {
    running = await startSwarmNodes(swarmSpec, (socket, config) =>
      startMockDaemon({...options, listen: undefined, socket, config: {...config, defaultRuntime, ...(flavor !== undefined && {flavor})}}))
  }
  try {
    return await startManager(options, {specs, defaultRuntime, flavor, faults, log, limits, running})
  } catch (error) {
    await running?.close()
    throw error
  }
}

interface ManagerParts {
  specs: DaemonConfig['containers']
  defaultRuntime: DaemonConfig['defaultRuntime']
  flavor?: Flavor
  faults: Faults
  log?: (line: string) => void
  limits: Limits
  running?: RunningSwarm
}

/** The daemon itself (a swarm's manager when `running` is set): engine, API and server on one socket. */
async function startManager(options: MockDaemonOptions, {specs, defaultRuntime, flavor, faults, log, limits, running}: ManagerParts): Promise<MockDaemon> {
  // The three parts: the engine (state), the API (handlers on it), the server (connections).
  const engine = new Engine({
    containers: specs,
    faults,
    runtimes: {process: options.runtimes?.process ?? new ProcessRuntime(), builtin: options.runtimes?.builtin ?? new BuiltinRuntime()},
    defaultRuntime,
    logSize: limits.logSize,
    execRetentionMs: limits.execRetentionMs,
    swarm: running?.swarm,
  })
  const events = new EventEmitter()
  const api = {engine, events, flavor: flavorBehaviour(flavor)}
  const connections = new ConnectionServer({
    handler: (req) => route(api, req),
    maxHeaderSize: limits.maxHeaderSize,
    maxBodySize: limits.maxBodySize,
    headTimeoutMs: limits.headTimeoutMs,
    events,
    log,
  })
  const server = createServer({allowHalfOpen: true, pauseOnConnect: true}, (socket) => connections.handleConnection(socket))
  server.on('error', () => {}) // after listen, accept errors (EMFILE) must not kill a test run

  let url: string
  let socketPath: string | undefined
  let port: number | undefined
  let tempDir: string | undefined
  if (options.listen !== undefined) {
    const {host, port: wanted} = parseListen(options.listen, options.unsafeListen)
    port = await listenTcp(server, host, wanted).catch((error: Error) => {
      throw new ListenError(`cannot listen on ${options.listen}: ${error.message}`)
    })
    url = `tcp://${host.includes(':') ? `[${host}]` : host}:${port}`
  } else {
    if (options.socket === undefined) {
      tempDir = mkdtempSync(join(tmpdir(), 'hijack-mock-'))
      socketPath = join(tempDir, 'docker.sock')
    } else {
      socketPath = resolve(options.socket)
      await prepareSocketPath(socketPath)
    }
    await listenUnix(server, socketPath).catch((error: Error) => {
      throw new ListenError(`cannot listen on ${socketPath}: ${error.message}`)
    })
    url = `unix://${socketPath}`
  }
  engine.startContainers()

  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const stopped = new Promise<void>((resolvePromise) => server.close(() => resolvePromise()))
      connections.closeAll()
      await engine.shutdown()
      await stopped
      if (socketPath) {
        try {
          if (lstatSync(socketPath).isSocket()) unlinkSync(socketPath)
        } catch {
          // already removed by the server
        }
      }
      if (tempDir) rmSync(tempDir, {recursive: true, force: true})
      await running?.close()
    })()
    return closing
  }

  return {
    url,
    socketPath,
    port,
    events,
    nodes: running?.swarm.nodes.map((n) => ({
      hostname: n.hostname, id: n.id, url: n.url, socketPath: n.socketPath, close: () => running.closeNode(n.hostname),
    })),
    container(ref) {
      const c = engine.containers.find(ref)
      return c && {id: c.id, name: c.name, running: c.running, exitCode: c.exitCode, pid: c.pid}
    },
    close,
  }
}

