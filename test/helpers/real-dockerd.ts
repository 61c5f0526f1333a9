// A private, network-less real dockerd (or podman API service: startRealDockerd(t, {engine: 'podman'})) for
// tap tests (see scripts/dockerd.sh, scripts/podman.sh and /work/shared/PROTOCOL.md section 9).
//
// Import style (tap 21.8 + TypeScript 5.9, Node 20): tap runs .ts test files through
// its @tapjs/typescript plugin, which on Node < 22 uses the ts-node ESM loader in
// transpile-only mode with TS_NODE_PROJECT=tsconfig.json (module/moduleResolution
// NodeNext). Import this helper with the .js extension, which ts-node maps to this
// .ts file:
//
//     import { startRealDockerd } from './helpers/real-dockerd.js'
//
// The '.ts' extension also runs under tap (transpile-only), but `tsc` rejects it
// (TS5097) unless allowImportingTsExtensions is set, and extensionless imports fail
// at runtime (ERR_MODULE_NOT_FOUND), so use '.js'.
//
// Usage:
//
//     const d = await startRealDockerd(t)
//     if (!d) return            // skipped (comment printed) or failed (CI=true)
//     await d.run('c1', { cmd: ['sh', '-c', 'echo hello; sleep 600'] })
//     const r = await d.docker(['exec', 'c1', 'echo', 'hi'])
//
// Env:
//   HIJACK_DOCKER_HOST  use this daemon (unix:// or tcp:// on loopback only) instead
//                       of starting one; it must already have hijack-test/busybox.
//   HIJACK_PODMAN_HOST  the same for podman (e.g. from `scripts/podman.sh start DIR`).
//   CI=true             a daemon that cannot be started is a test failure, not a skip.
//
// Safety: every container is created through the Engine API with
// HostConfig.NetworkMode "none"; the private daemon runs with --bridge=none and
// iptables off; only unix sockets (or loopback TCP via HIJACK_DOCKER_HOST) are used.

import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import http from 'node:http'
import { fileURLToPath } from 'node:url'

export const IMAGE = 'hijack-test/busybox'

/** Path of scripts/dockerd.sh, resolved from this file (test/helpers/). */
export const DOCKERD_SCRIPT = fileURLToPath(new URL('../../scripts/dockerd.sh', import.meta.url))

/** The real engines: each one's start/stop script, the variable naming one to reuse, the watchdog's owner variable. */
export type EngineName = 'dockerd' | 'podman'
const ENGINES: Record<EngineName, {script: string; reuseVar: string; ownerVar: string}> = {
  dockerd: {script: DOCKERD_SCRIPT, reuseVar: 'HIJACK_DOCKER_HOST', ownerVar: 'HIJACK_DOCKERD_OWNER_PID'},
  podman: {
    script: fileURLToPath(new URL('../../scripts/podman.sh', import.meta.url)),
    reuseVar: 'HIJACK_PODMAN_HOST',
    ownerVar: 'HIJACK_PODMAN_OWNER_PID',
  },
}

/** The parts of a tap Test this helper uses (works for the root `t` and subtests). */
export interface TapLike {
  teardown(fn: () => unknown): void
  fail(message: string, extra: Record<string, unknown>): boolean
  comment(...args: unknown[]): void
}

export interface DockerResult {
  code: number | null
  stdout: Buffer
  stderr: Buffer
}

export interface RunOptions {
  cmd: string[]
  tty?: boolean
  openStdin?: boolean
  stdinOnce?: boolean
  env?: string[]
}

export interface RealDockerd {
  /** Docker host URL, e.g. unix:///tmp/hj-AbCdEf/docker.sock */
  host: string
  /** Run the docker CLI with `-H host` prepended. code is null if killed on timeout. */
  docker(args: string[], opts?: { input?: Buffer | string; timeoutMs?: number }): Promise<DockerResult>
  /** Create (NetworkMode none, image hijack-test/busybox) and start a container; returns its id. */
  run(name: string, opts: RunOptions): Promise<string>
  /** Force-remove a container (no error if it is already gone). */
  remove(name: string): Promise<void>
}

export interface StartOptions {
  /** Which engine: a private dockerd (default) or a podman API service (scripts/podman.sh). */
  engine?: EngineName
  /** Also listen on tcp://127.0.0.1:port with --tlsverify and the certificates in dir (see scripts/dockerd.sh). */
  tls?: { port: number; dir: string }
}

const START_TIMEOUT_MS = 240_000 // includes a possible apt-get install on a fresh CI box
const STOP_TIMEOUT_MS = 60_000

interface Endpoint {
  socketPath?: string
  hostname?: string
  port?: number
}

/** Parse a docker host URL, accepting only unix sockets and loopback TCP. */
export function parseHost(host: string): Endpoint {
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) }
  if (host.startsWith('tcp://') || host.startsWith('http://')) {
    const u = new URL(host.replace(/^tcp:/, 'http:'))
    const h = u.hostname.replace(/^\[|\]$/g, '')
    if (h !== '127.0.0.1' && h !== 'localhost' && h !== '::1') {
      throw new Error(`refusing non-loopback docker host ${host}`)
    }
    return { hostname: h, port: Number(u.port || 2375) }
  }
  throw new Error(`unsupported docker host ${host} (want unix:// or tcp://127.0.0.1:PORT)`)
}

interface ProcResult extends DockerResult {
  signal: NodeJS.Signals | null
}

function runProcess(
  file: string,
  args: string[],
  opts: { input?: Buffer | string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<ProcResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: opts.env ?? process.env,
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout!.on('data', (b: Buffer) => out.push(b))
    child.stderr!.on('data', (b: Buffer) => err.push(b))
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000)
    child.on('error', (e) => {
      clearTimeout(timer)
      reject(e)
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err) })
    })
    if (opts.input !== undefined) {
      child.stdin!.on('error', () => {}) // EPIPE if the process exits early
      child.stdin!.end(opts.input)
    }
  })
}

function cliEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_CLI_HINTS: 'false' }
  // -H must win; a DOCKER_CONTEXT/DOCKER_HOST from the environment would conflict.
  delete env.DOCKER_HOST
  delete env.DOCKER_CONTEXT
  return env
}

/** One Engine API request (unversioned paths: the daemon's own API version). */
export function apiRequest(
  host: string,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = 60_000,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  const ep = parseHost(host)
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body))
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        ...ep,
        method,
        path,
        headers: {
          Host: 'docker',
          ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {}),
        },
        timeout: timeoutMs,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
        res.on('error', reject)
      },
    )
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out after ${timeoutMs} ms`)))
    req.on('error', reject)
    req.end(payload)
  })
}

function apiError(what: string, r: { status: number; body: Buffer }): Error {
  let msg = r.body.toString('utf8').trim()
  try {
    msg = (JSON.parse(msg) as { message?: string }).message ?? msg
  } catch {
    /* not JSON */
  }
  return new Error(`${what}: HTTP ${r.status}: ${msg}`)
}

function lastLine(s: string): string {
  const lines = s.split('\n').map((l) => l.trim()).filter(Boolean)
  return lines.at(-1) ?? ''
}

function failureReason(r: ProcResult): string {
  const err = r.stderr.toString('utf8')
  const failed = err.split('\n').find((l) => l.includes('FAILED:'))
  const why = failed?.replace(/^.*FAILED:\s*/, '') ?? (lastLine(err) || `exit ${r.code ?? r.signal}`)
  return why
}

function makeHandle(host: string, created: Set<string>): RealDockerd {
  const docker: RealDockerd['docker'] = (args, opts = {}) =>
    runProcess('docker', ['-H', host, ...args], { ...opts, env: cliEnv() }).then(({ code, stdout, stderr }) => ({
      code,
      stdout,
      stderr,
    }))

  const remove: RealDockerd['remove'] = async (name) => {
    const r = await apiRequest(host, 'DELETE', `/containers/${encodeURIComponent(name)}?force=1&v=1`)
    if (r.status !== 204 && r.status !== 404) throw apiError(`remove ${name}`, r)
    created.delete(name)
  }

  const run: RealDockerd['run'] = async (name, opts) => {
    created.add(name) // before create, so a half-made container is still removed
    const config = {
      Image: IMAGE,
      Cmd: opts.cmd,
      Tty: !!opts.tty,
      OpenStdin: !!opts.openStdin,
      StdinOnce: !!opts.stdinOnce,
      AttachStdin: !!opts.openStdin,
      AttachStdout: true,
      AttachStderr: true,
      Env: opts.env ?? [],
      HostConfig: { NetworkMode: 'none' },
    }
    const c = await apiRequest(host, 'POST', `/containers/create?name=${encodeURIComponent(name)}`, config)
    if (c.status !== 201) throw apiError(`create ${name}`, c)
    const id = (JSON.parse(c.body.toString('utf8')) as { Id: string }).Id
    const s = await apiRequest(host, 'POST', `/containers/${id}/start`)
    if (s.status !== 204 && s.status !== 304) throw apiError(`start ${name}`, s)
    return id
  }

  return { host, docker, run, remove }
}

async function removeAll(d: RealDockerd, created: Set<string>): Promise<void> {
  await Promise.all([...created].map((n) => d.remove(n).catch(() => {})))
}

function giveUp(t: TapLike, engine: EngineName, reason: string, log?: string): undefined {
  if (process.env.CI === 'true') t.fail(`real ${engine} unavailable: ${reason}`, log ? { log } : {})
  else t.comment(`SKIP real ${engine}: ${reason}`)
  return undefined
}

/**
 * Start (or, with HIJACK_DOCKER_HOST / HIJACK_PODMAN_HOST, reuse) a real dockerd or podman for test `t`.
 * Containers made with run() are removed, and a daemon we started is stopped and
 * its directory deleted, in t's teardown. Returns undefined if no daemon is
 * available (a visible SKIP comment, or a failure when CI=true).
 */
export async function startRealDockerd(t: TapLike, options: StartOptions = {}): Promise<RealDockerd | undefined> {
  const engine = options.engine ?? 'dockerd'
  const created = new Set<string>()
  const {script, reuseVar, ownerVar} = ENGINES[engine]
  const unavailable = (reason: string, log?: string) => giveUp(t, engine, reason, log)

  const given = options.tls ? undefined : process.env[reuseVar]
  if (given) {
    let d: RealDockerd
    try {
      parseHost(given)
      d = makeHandle(given, created)
      const ping = await apiRequest(given, 'GET', '/_ping', undefined, 10_000)
      if (ping.status !== 200) throw apiError('GET /_ping', ping)
      const img = await apiRequest(given, 'GET', `/images/${IMAGE}/json`, undefined, 10_000)
      if (img.status !== 200) throw new Error(`image ${IMAGE} missing on ${given} (run ${script} start)`)
    } catch (e) {
      return unavailable(`${reuseVar}=${given}: ${(e as Error).message}`)
    }
    t.teardown(() => removeAll(d, created))
    return d
  }

  if (process.platform !== 'linux') return unavailable(`needs Linux (platform ${process.platform})`)

  // Short on purpose: unix socket paths must stay under 107 bytes.
  const dir = await mkdtemp('/tmp/hj-')
  const stop = async (report = false): Promise<void> => {
    const t0 = Date.now()
    const r = await runProcess('bash', [script, 'stop', dir], { timeoutMs: STOP_TIMEOUT_MS }).catch(
      (e: Error) => ({ code: null, signal: null, stdout: Buffer.alloc(0), stderr: Buffer.from(e.message) }),
    )
    if (r.code !== 0) t.comment(`${script} stop ${dir} failed: ${lastLine(r.stderr.toString('utf8'))}`)
    else if (report) t.comment(`real ${engine} stopped in ${Date.now() - t0} ms`)
    await rm(dir, { recursive: true, force: true }).catch(() => {})
  }

  const t0 = Date.now()
  let r: ProcResult
  try {
    r = await runProcess('bash', [script, 'start', dir], {
      timeoutMs: START_TIMEOUT_MS,
      // the script's watchdog stops the daemon if this process dies before teardown
      env: {
        ...process.env,
        [ownerVar]: String(process.pid),
        ...(options.tls && { HIJACK_DOCKERD_TLS: `${options.tls.port}:${options.tls.dir}` }),
      },
    })
  } catch (e) {
    await stop()
    return unavailable(`cannot run ${script}: ${(e as Error).message}`)
  }
  const host = lastLine(r.stdout.toString('utf8'))
  if (r.code !== 0 || !host.startsWith('unix://')) {
    const reason = r.code === null ? `${script} start timed out after ${START_TIMEOUT_MS} ms` : failureReason(r)
    await stop()
    return unavailable(reason, r.stderr.toString('utf8'))
  }

  t.comment(`real ${engine} at ${host} (started in ${Date.now() - t0} ms)`)
  const d = makeHandle(host, created)
  t.teardown(async () => {
    await removeAll(d, created)
    await stop(true)
  })
  return d
}
