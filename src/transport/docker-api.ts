import type {ContainerInfo, ContainerInspectInfo, ExecInspectInfo} from 'dockerode'
import {hijack, type Hijacked} from './hijack.js'
import {costlyDial} from './dial.js'
import {SpareConnection} from './spare-connection.js'
import type {DockerHost} from './host.js'
import {HttpClient, parseJson} from './request.js'
import {UsageError} from './errors.js'
import {compareVersions} from '../protocol/api-version.js'
import {encodeFilters} from '../protocol/filters.js'
import type {SwarmNode, SwarmTask} from './swarm-types.js'

/** The newest API version this client speaks; the daemon may ask for less. */
export const CLIENT_API_VERSION = '1.47'
/** What Docker assumes when the daemon does not say. */
const FALLBACK_API_VERSION = '1.24'

/** DOCKER_API_VERSION fixes the version (leading `v` allowed) and skips negotiation. */
export function fixedApiVersion(env: NodeJS.ProcessEnv): string | undefined {
  const raw = env.DOCKER_API_VERSION?.trim()
  if (!raw) return undefined
  const version = raw.replace(/^v/i, '')
  if (!/^\d+\.\d+$/.test(version)) throw new UsageError(`invalid DOCKER_API_VERSION "${raw}": expected a version like 1.41`, 1)
  return version
}

/** What /_ping says: the API version to use, min(client max, daemon's Api-Version), and the engine. */
export interface PingResult {
  apiVersion: string
  /** Podman's compat API (it adds Libpod-Api-Version to every answer); see README "Compatibility". */
  podman: boolean
}

export async function negotiateApiVersion(http: HttpClient): Promise<PingResult> {
  const ping = await http.request({method: 'GET', path: '/_ping'})
  const header = ping.headers['api-version']
  const daemon = typeof header === 'string' && /^\d+\.\d+$/.test(header) ? header : FALLBACK_API_VERSION
  return {
    apiVersion: compareVersions(daemon, CLIENT_API_VERSION) < 0 ? daemon : CLIENT_API_VERSION,
    podman: ping.headers['libpod-api-version'] !== undefined,
  }
}

/** The parts of `GET /version` we show. */
export interface DaemonVersion {
  Version?: string
  ApiVersion?: string
  MinAPIVersion?: string
  Os?: string
  Arch?: string
  KernelVersion?: string
}

export interface ExecCreateOptions {
  AttachStdin: boolean
  AttachStdout: boolean
  AttachStderr: boolean
  Tty: boolean
  Cmd: string[]
  Env?: string[]
  WorkingDir?: string
  User?: string
  Privileged?: boolean
  DetachKeys?: string
  ConsoleSize?: [number, number]
}

export interface WaitResult {
  StatusCode: number
  Error?: {Message?: string} | null
}

export interface AttachQuery {
  stream: boolean
  stdin: boolean
  stdout: boolean
  stderr: boolean
  logs?: boolean
  detachKeys?: string
}

/**
 * The Engine API calls hijack needs. Calls that may be repeated share kept-alive connections (see
 * HttpClient); other POSTs and each hijack dial their own.
 */
export class DockerApi {
  constructor(
    readonly host: DockerHost,
    readonly apiVersion: string,
    readonly http = new HttpClient(host),
    /** True when /_ping showed podman; unknown (false) when DOCKER_API_VERSION skipped the ping. */
    readonly podman = false,
    /** The next hijack's connection, dialed ahead (see connect). */
    private readonly spare?: SpareConnection,
  ) {}

  /**
   * `hijackAhead`: a hijack will follow, so where dialing is costly its connection is dialed now, after
   * the ping's (negotiateApiVersion dials first; over ssh without a forward it takes the master's stream).
   */
  static async connect(host: DockerHost, env: NodeJS.ProcessEnv = process.env, {hijackAhead = false} = {}): Promise<DockerApi> {
    const http = new HttpClient(host)
    const fixed = fixedApiVersion(env)
    const ping = fixed ? undefined : negotiateApiVersion(http)
    // Only behind the ping's connection: the spare is unref'd, so it must never be the one connection
    // the run waits on (over ssh without a forward, the master's own stream goes to the first caller).
    const spare = hijackAhead && ping && costlyDial(host) ? new SpareConnection(host) : undefined
    if (!ping) return new DockerApi(host, fixed!, http, false, spare)
    try {
      const {apiVersion, podman} = await ping
      return new DockerApi(host, apiVersion, http, podman, spare)
    } catch (error) {
      spare?.close()
      throw error
    }
  }

  /** Closes idle connections; a process that simply exits need not call it. */
  close(): void {
    this.http.close()
    this.spare?.close()
  }

  path(path: string): string {
    return `/v${this.apiVersion}${path}`
  }

  supports(version: string): boolean {
    return compareVersions(this.apiVersion, version) >= 0
  }

  /** `GET /version`: the daemon's versions and platform. */
  version(): Promise<DaemonVersion> {
    return this.http.requestJson({method: 'GET', path: this.path('/version')})
  }

  inspectContainer(id: string): Promise<ContainerInspectInfo> {
    return this.http.requestJson({method: 'GET', path: this.path(`/containers/${encodeURIComponent(id)}/json`)})
  }

  /** `GET /containers/json`; `filters` in Docker's JSON map form, e.g. {label: ['a=b']}. */
  listContainers(filters: Record<string, string[]>, all = false): Promise<ContainerInfo[]> {
    const query = new URLSearchParams({...(all && {all: '1'}), filters: encodeFilters(filters)})
    return this.http.requestJson({method: 'GET', path: this.path(`/containers/json?${query}`)})
  }

  /** `GET /tasks` (a swarm manager only); the manager resolves a `service` filter by name, ID or ID prefix. */
  listTasks(filters: Record<string, string[]>): Promise<SwarmTask[]> {
    const query = new URLSearchParams({filters: encodeFilters(filters)})
    return this.http.requestJson({method: 'GET', path: this.path(`/tasks?${query}`)})
  }

  /** `GET /nodes` (a swarm manager only). */
  listNodes(): Promise<SwarmNode[]> {
    return this.http.requestJson({method: 'GET', path: this.path('/nodes')})
  }

  /** `GET /info`: here only for `Swarm.NodeID`, the node this daemon is. */
  info(): Promise<{Name?: string; Swarm?: {NodeID?: string; LocalNodeState?: string}}> {
    return this.http.requestJson({method: 'GET', path: this.path('/info')})
  }

  async createExec(container: string, body: ExecCreateOptions): Promise<string> {
    const created = await this.http.requestJson<{Id: string}>({
      method: 'POST',
      path: this.path(`/containers/${encodeURIComponent(container)}/exec`),
      body,
    })
    return created.Id
  }

  async startExecDetached(execId: string, tty: boolean): Promise<void> {
    await this.http.request({method: 'POST', path: this.path(`/exec/${encodeURIComponent(execId)}/start`), body: {Detach: true, Tty: tty}})
  }

  async startExec(execId: string, tty: boolean, consoleSize?: [number, number]): Promise<Hijacked> {
    const body: Record<string, unknown> = {Detach: false, Tty: tty}
    if (consoleSize) body.ConsoleSize = consoleSize
    return hijack(this.host, {method: 'POST', path: this.path(`/exec/${encodeURIComponent(execId)}/start`), body}, await this.spare?.take())
  }

  inspectExec(execId: string): Promise<ExecInspectInfo> {
    return this.http.requestJson({method: 'GET', path: this.path(`/exec/${encodeURIComponent(execId)}/json`)})
  }

  async resizeExec(execId: string, height: number, width: number): Promise<void> {
    // Resizing twice to the same size is harmless, so a stale kept-alive connection may be retried.
    await this.http.request({method: 'POST', path: this.path(`/exec/${encodeURIComponent(execId)}/resize?h=${height}&w=${width}`), retry: true})
  }

  /** Attach carries its options in the query and no body: a body is read as stdin by some daemons. */
  async attach(container: string, query: AttachQuery): Promise<Hijacked> {
    const params = new URLSearchParams()
    for (const key of ['logs', 'stream', 'stdin', 'stdout', 'stderr'] as const) {
      if (query[key] !== undefined) params.set(key, query[key] ? '1' : '0')
    }
    if (query.detachKeys) params.set('detachKeys', query.detachKeys)
    return hijack(this.host, {method: 'POST', path: this.path(`/containers/${encodeURIComponent(container)}/attach?${params}`)}, await this.spare?.take())
  }

  /**
   * Registers a wait for the container to stop. Resolves once the daemon has answered the request
   * (so the wait is in place before we inspect: a fast exit is not missed); `result` settles at the exit.
   */
  async waitContainer(container: string): Promise<{result: Promise<WaitResult>}> {
    const path = this.path(`/containers/${encodeURIComponent(container)}/wait?condition=not-running`)
    const res = await this.http.send({method: 'POST', path, maxBody: 64 * 1024})
    return {result: res.body().then((body) => parseJson<WaitResult>(body, `POST ${path}`))}
  }

  async killContainer(container: string, signal: string): Promise<void> {
    await this.http.request({
      method: 'POST',
      path: this.path(`/containers/${encodeURIComponent(container)}/kill?signal=${encodeURIComponent(signal)}`),
    })
  }

  async resizeContainer(container: string, height: number, width: number): Promise<void> {
    await this.http.request({method: 'POST', path: this.path(`/containers/${encodeURIComponent(container)}/resize?h=${height}&w=${width}`), retry: true})
  }
}
