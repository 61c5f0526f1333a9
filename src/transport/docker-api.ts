import type {ContainerInspectInfo, ExecInspectInfo} from 'dockerode'
import {hijack, type Hijacked} from './hijack.js'
import type {DockerHost} from './host.js'
import {parseJson, readBody, request, requestHead, requestJson} from './request.js'
import {UsageError} from './errors.js'
import {compareVersions} from './api-version.js'

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

/** min(client max, daemon's Api-Version from /_ping). */
export async function negotiateApiVersion(host: DockerHost): Promise<string> {
  const ping = await request(host, {method: 'GET', path: '/_ping'})
  const header = ping.headers['api-version']
  const daemon = typeof header === 'string' && /^\d+\.\d+$/.test(header) ? header : FALLBACK_API_VERSION
  return compareVersions(daemon, CLIENT_API_VERSION) < 0 ? daemon : CLIENT_API_VERSION
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

/** The Engine API calls hijack needs, each on its own one-shot connection. */
export class DockerApi {
  constructor(readonly host: DockerHost, readonly apiVersion: string) {}

  static async connect(host: DockerHost, env: NodeJS.ProcessEnv = process.env): Promise<DockerApi> {
    return new DockerApi(host, fixedApiVersion(env) ?? (await negotiateApiVersion(host)))
  }

  path(path: string): string {
    return `/v${this.apiVersion}${path}`
  }

  supports(version: string): boolean {
    return compareVersions(this.apiVersion, version) >= 0
  }

  inspectContainer(id: string): Promise<ContainerInspectInfo> {
    return requestJson(this.host, {method: 'GET', path: this.path(`/containers/${encodeURIComponent(id)}/json`)})
  }

  async createExec(container: string, body: ExecCreateOptions): Promise<string> {
    const created = await requestJson<{Id: string}>(this.host, {
      method: 'POST',
      path: this.path(`/containers/${encodeURIComponent(container)}/exec`),
      body,
    })
    return created.Id
  }

  async startExecDetached(execId: string, tty: boolean): Promise<void> {
    await request(this.host, {method: 'POST', path: this.path(`/exec/${execId}/start`), body: {Detach: true, Tty: tty}})
  }

  startExec(execId: string, tty: boolean, consoleSize?: [number, number]): Promise<Hijacked> {
    const body: Record<string, unknown> = {Detach: false, Tty: tty}
    if (consoleSize) body.ConsoleSize = consoleSize
    return hijack(this.host, {method: 'POST', path: this.path(`/exec/${execId}/start`), body})
  }

  inspectExec(execId: string): Promise<ExecInspectInfo> {
    return requestJson(this.host, {method: 'GET', path: this.path(`/exec/${execId}/json`)})
  }

  async resizeExec(execId: string, height: number, width: number): Promise<void> {
    await request(this.host, {method: 'POST', path: this.path(`/exec/${execId}/resize?h=${height}&w=${width}`)})
  }

  /** Attach carries its options in the query and no body: a body is read as stdin by some daemons. */
  attach(container: string, query: AttachQuery): Promise<Hijacked> {
    const params = new URLSearchParams()
    for (const key of ['logs', 'stream', 'stdin', 'stdout', 'stderr'] as const) {
      if (query[key] !== undefined) params.set(key, query[key] ? '1' : '0')
    }
    if (query.detachKeys) params.set('detachKeys', query.detachKeys)
    return hijack(this.host, {method: 'POST', path: this.path(`/containers/${encodeURIComponent(container)}/attach?${params}`)})
  }

  /**
   * Registers a wait for the container to stop. Resolves once the daemon has answered the request
   * (so the wait is in place before we inspect: a fast exit is not missed); `result` settles at the exit.
   */
  async waitContainer(container: string): Promise<{result: Promise<WaitResult>}> {
    const path = this.path(`/containers/${encodeURIComponent(container)}/wait?condition=not-running`)
    const res = await requestHead(this.host, {method: 'POST', path})
    return {result: readBody(res, 64 * 1024).then((body) => parseJson<WaitResult>(body, `POST ${path}`))}
  }

  async killContainer(container: string, signal: string): Promise<void> {
    await request(this.host, {
      method: 'POST',
      path: this.path(`/containers/${encodeURIComponent(container)}/kill?signal=${encodeURIComponent(signal)}`),
    })
  }

  async resizeContainer(container: string, height: number, width: number): Promise<void> {
    await request(this.host, {method: 'POST', path: this.path(`/containers/${encodeURIComponent(container)}/resize?h=${height}&w=${width}`)})
  }
}
