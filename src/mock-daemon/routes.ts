// The Engine API endpoints the mock answers, with Docker's status codes and words.
import {arch, cpus, hostname, release, totalmem} from 'node:os'
import {HijackError} from '../transport/errors.js'
import {runAttach} from './attach.js'
import {type Container, AmbiguousError, parseSignal, type WaitCondition} from './containers.js'
import {ExecRecord, runDetached, runExec} from './exec.js'
import {ApiError} from './http.js'
import type {Exchange} from './server.js'
import {checkDetachKeys} from './stdin.js'
import {API_VERSION, ENGINE_VERSION, MIN_API_VERSION} from './version.js'

type Handler = (ex: Exchange, ...params: string[]) => Promise<void> | void

const ROUTES: [method: string, pattern: RegExp, handler: Handler][] = [
  ['GET', /^\/_ping$/, ping],
  ['HEAD', /^\/_ping$/, ping],
  ['GET', /^\/version$/, version],
  ['GET', /^\/info$/, info],
  ['GET', /^\/containers\/json$/, listContainers],
  ['GET', /^\/containers\/([^/]+)\/json$/, inspectContainer],
  ['POST', /^\/containers\/([^/]+)\/exec$/, createExec],
  ['POST', /^\/containers\/([^/]+)\/attach$/, attach],
  ['POST', /^\/containers\/([^/]+)\/wait$/, wait],
  ['POST', /^\/containers\/([^/]+)\/kill$/, kill],
  ['POST', /^\/containers\/([^/]+)\/resize$/, resizeContainer],
  ['POST', /^\/containers\/([^/]+)\/start$/, startContainer],
  ['POST', /^\/containers\/([^/]+)\/stop$/, stopContainer],
  ['POST', /^\/exec\/([^/]+)\/start$/, startExec],
  ['POST', /^\/exec\/([^/]+)\/resize$/, resizeExec],
  ['GET', /^\/exec\/([^/]+)\/json$/, inspectExec],
]

export async function route(ex: Exchange): Promise<void> {
  for (const [method, pattern, handler] of ROUTES) {
    const m = pattern.exec(ex.path)
    if (m && method === ex.req.method) {
      await handler(ex, ...m.slice(1).map(decodeParam))
      return
    }
  }
  throw new ApiError(404, 'page not found')
}

function decodeParam(raw: string): string {
  try {
    return decodeURIComponent(raw)
  } catch {
    throw new ApiError(400, `malformed path parameter ${JSON.stringify(raw)}`)
  }
}

/** Docker's boolean query values: anything but "", 0, no, false, none is true. */
function boolQuery(ex: Exchange, name: string): boolean {
  const value = (ex.query.get(name) ?? '').trim().toLowerCase()
  return !['', '0', 'no', 'false', 'none'].includes(value)
}

function intQuery(ex: Exchange, name: string, fallback: number): number {
  const raw = ex.query.get(name)
  if (raw === null || raw === '') return fallback
  if (!/^-?\d+$/.test(raw.trim())) throw new ApiError(400, `invalid value for ${name}: ${JSON.stringify(raw)}`)
  return Number(raw)
}

function container(ex: Exchange, ref: string): Container {
  let found: Container | undefined
  try {
    found = ex.server.containers.find(ref)
  } catch (error) {
    if (error instanceof AmbiguousError) throw new ApiError(400, error.message)
    throw error
  }
  if (!found) throw new ApiError(404, `No such container: ${ref}`)
  return found
}

function execRecord(ex: Exchange, id: string): ExecRecord {
  const record = ex.server.execs.get(id)
  if (!record) throw new ApiError(404, `No such exec instance: ${id}`)
  return record
}

function detachKeys(spec: string): string {
  try {
    checkDetachKeys(spec)
  } catch (error) {
    if (error instanceof HijackError) throw new ApiError(400, error.message)
    throw error
  }
  return spec
}

function streamContentType(ex: Exchange, tty: boolean): {contentType: string; multiplexed: boolean} {
  // Before API 1.42 dockerd said raw-stream whatever the framing.
  const multiplexed = !tty
  const contentType = multiplexed && ex.versionAtLeast('1.42') ? 'application/vnd.docker.multiplexed-stream' : 'application/vnd.docker.raw-stream'
  return {contentType, multiplexed}
}

function ping(ex: Exchange): void {
  ex.send(200, Buffer.from('OK'), 'text/plain; charset=utf-8', {
    'Cache-Control': 'no-cache, no-store, must-revalidate',
    Pragma: 'no-cache',
  })
}

const goArch = (): string => ({x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm'})[arch()] ?? arch()

function version(ex: Exchange): void {
  ex.sendJson(200, {
    Platform: {Name: 'hijack mock daemon'},
    Components: [{Name: 'Engine', Version: ENGINE_VERSION, Details: {ApiVersion: API_VERSION, MinAPIVersion: MIN_API_VERSION, Os: 'linux', Arch: goArch()}}],
    Version: ENGINE_VERSION,
    ApiVersion: API_VERSION,
    MinAPIVersion: MIN_API_VERSION,
    GitCommit: 'mock',
    GoVersion: 'none',
    Os: 'linux',
    Arch: goArch(),
    KernelVersion: release(),
    BuildTime: '2025-01-01T00:00:00.000000000+00:00',
  })
}

function info(ex: Exchange): void {
  const all = ex.server.containers.all()
  const running = all.filter((c) => c.running).length
  ex.sendJson(200, {
    ID: 'hijack-mock',
    Containers: all.length,
    ContainersRunning: running,
    ContainersPaused: 0,
    ContainersStopped: all.length - running,
    Images: 0,
    Driver: 'mock',
    Name: hostname(),
    ServerVersion: ENGINE_VERSION,
    OperatingSystem: 'hijack mock daemon',
    OSType: 'linux',
    Architecture: goArch(),
    KernelVersion: release(),
    NCPU: cpus().length,
    MemTotal: totalmem(),
    ExperimentalBuild: false,
  })
}

function listContainers(ex: Exchange): void {
  const all = boolQuery(ex, 'all')
  const list = ex.server.containers.all().filter((c) => all || c.running).map((c) => ({
    Id: c.id,
    Names: [`/${c.name}`],
    Image: c.spec.image,
    ImageID: `sha256:${'0'.repeat(64)}`,
    Command: c.spec.cmd.join(' '),
    Created: Math.floor(Date.parse(c.created) / 1000),
    State: c.status,
    Status: c.running ? 'Up' : `Exited (${c.exitCode})`,
    Labels: c.spec.labels,
    Ports: [],
    HostConfig: {NetworkMode: 'none'},
    Mounts: [],
  }))
  ex.sendJson(200, list)
}

function inspectContainer(ex: Exchange, ref: string): void {
  ex.sendJson(200, container(ex, ref).inspect())
}

interface ExecCreateBody {
  AttachStdin?: boolean
  AttachStdout?: boolean
  AttachStderr?: boolean
  Tty?: boolean
  Cmd?: unknown
  Env?: unknown
  WorkingDir?: string
  User?: string
  Privileged?: boolean
  DetachKeys?: string
  ConsoleSize?: unknown
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string')
}

async function createExec(ex: Exchange, ref: string): Promise<void> {
  const body = (await ex.json<ExecCreateBody>()) ?? {}
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError(400, 'exec config must be a JSON object')
  const cmd = typeof body.Cmd === 'string' ? [body.Cmd] : body.Cmd
  if (!isStringArray(cmd) || cmd.length === 0) throw new ApiError(400, 'No exec command specified')
  if (body.Env !== undefined && body.Env !== null && !isStringArray(body.Env)) throw new ApiError(400, 'Env must be an array of strings')
  let consoleSize: [number, number] | undefined
  if (Array.isArray(body.ConsoleSize) && body.ConsoleSize.length === 2 && body.ConsoleSize.every((n) => Number.isInteger(n) && n >= 0)) {
    consoleSize = body.ConsoleSize as [number, number]
    if (consoleSize[0] === 0 || consoleSize[1] === 0) consoleSize = undefined
  } else if (body.ConsoleSize !== undefined && body.ConsoleSize !== null) {
    throw new ApiError(400, 'ConsoleSize must be [height, width]')
  }
  const c = container(ex, ref)
  if (!c.running) throw new ApiError(409, `container ${c.id} is not running`)
  const record = new ExecRecord(c, {
    cmd,
    tty: body.Tty === true,
    attachStdin: body.AttachStdin === true,
    attachStdout: body.AttachStdout === true,
    attachStderr: body.AttachStderr === true,
    env: (body.Env as string[] | undefined | null) ?? [],
    workdir: typeof body.WorkingDir === 'string' ? body.WorkingDir : '',
    user: typeof body.User === 'string' ? body.User : '',
    privileged: body.Privileged === true,
    detachKeys: detachKeys(typeof body.DetachKeys === 'string' ? body.DetachKeys : ''),
    consoleSize,
  }, (p) => ex.server.track(p))
  ex.server.execs.set(record.id, record)
  c.execIds.push(record.id)
  ex.sendJson(201, {Id: record.id})
}

async function startExec(ex: Exchange, id: string): Promise<void> {
  const body = (await ex.json<{Detach?: boolean; Tty?: boolean}>()) ?? {}
  const record = execRecord(ex, id)
  if (record.running) throw new ApiError(409, `Error: Exec command ${id} is already running`)
  if (record.started) throw new ApiError(409, `exec command ${id} has already run`)
  const c = record.container
  if (!c.running) throw new ApiError(409, `container ${c.id} is not running`)
  if (body.Detach === true) {
    runDetached(record)
    ex.send(200)
    ex.server.events.emit('exec-start', {id, container: c.name, detach: true})
    return
  }
  const {startError} = c.faults
  if (startError) throw new ApiError(startError.status, startError.message)
  // dockerd frames by the start request's Tty, not the exec's.
  const session = ex.hijack({upgrade: ex.req.upgrade, faults: c.faults, ...streamContentType(ex, body.Tty === true)})
  ex.server.events.emit('exec-start', {id, container: c.name, detach: false})
  await runExec(record, {socket: ex.socket, ...session})
}

function inspectExec(ex: Exchange, id: string): void {
  ex.sendJson(200, execRecord(ex, id).inspect())
}

async function attach(ex: Exchange, ref: string): Promise<void> {
  const c = container(ex, ref)
  const options = {
    stdin: boolQuery(ex, 'stdin'),
    stdout: boolQuery(ex, 'stdout'),
    stderr: boolQuery(ex, 'stderr'),
    logs: boolQuery(ex, 'logs'),
    stream: boolQuery(ex, 'stream'),
    detachKeys: detachKeys(ex.query.get('detachKeys') ?? ''),
  }
  if (!options.logs && !options.stream) throw new ApiError(400, 'Bad parameters: you must choose at least one stream')
  const {startError} = c.faults
  if (startError) throw new ApiError(startError.status, startError.message)
  const session = ex.hijack({upgrade: ex.req.upgrade, faults: c.faults, ...streamContentType(ex, c.spec.tty)})
  ex.server.events.emit('attach', {container: c.name, id: c.id})
  await runAttach(c, {socket: ex.socket, ...session}, options)
}

async function wait(ex: Exchange, ref: string): Promise<void> {
  const c = container(ex, ref)
  const raw = ex.query.get('condition') || 'not-running'
  if (!['not-running', 'next-exit', 'removed'].includes(raw)) throw new ApiError(400, `invalid condition: "${raw}"`)
  // Headers now so the client knows the wait is registered; the body when the container stops.
  const exit = c.wait(raw as WaitCondition)
  const response = ex.startChunked(200, 'application/json')
  const code = await Promise.race([exit, new Promise<undefined>((resolve) => ex.socket.once('close', () => resolve(undefined)))])
  if (code !== undefined) response.end(Buffer.from(`${JSON.stringify({StatusCode: code, Error: null})}\n`))
}

function kill(ex: Exchange, ref: string): void {
  const c = container(ex, ref)
  const raw = ex.query.get('signal') || 'KILL'
  const signal = parseSignal(raw)
  if (!signal) throw new ApiError(400, `Invalid signal: ${raw}`)
  if (!c.running) throw new ApiError(409, `Cannot kill container: ${ref}: Container ${c.id} is not running`)
  c.kill(signal)
  ex.send(204)
}

function resizeArgs(ex: Exchange): [number, number] {
  const h = intQuery(ex, 'h', 0)
  const w = intQuery(ex, 'w', 0)
  if (h < 0 || w < 0 || h > 0xffff || w > 0xffff) throw new ApiError(400, 'invalid resize dimensions')
  return [h, w]
}

function resizeContainer(ex: Exchange, ref: string): void {
  const [h, w] = resizeArgs(ex)
  const c = container(ex, ref)
  if (!c.running) throw new ApiError(409, `Container ${c.id} is not running`)
  c.process?.resize(h, w)
  ex.send(200)
}

async function resizeExec(ex: Exchange, id: string): Promise<void> {
  const [h, w] = resizeArgs(ex)
  const record = execRecord(ex, id)
  // A resize can race the start (the CLI retries); dockerd waits for the start too.
  if (!(await record.waitStarted(10_000))) throw new ApiError(500, 'timeout waiting for exec session ready')
  if (record.running) record.process?.resize(h, w)
  ex.send(200)
}

function startContainer(ex: Exchange, ref: string): void {
  const c = container(ex, ref)
  if (c.running) {
    ex.send(304)
    return
  }
  c.start()
  ex.send(204)
}

async function stopContainer(ex: Exchange, ref: string): Promise<void> {
  const c = container(ex, ref)
  const seconds = intQuery(ex, 't', 10)
  const raw = ex.query.get('signal')
  const signal = raw ? parseSignal(raw) : 'SIGTERM'
  if (!signal) throw new ApiError(400, `Invalid signal: ${raw}`)
  if (!c.running) {
    ex.send(304)
    return
  }
  await c.stop(seconds, signal)
  ex.send(204)
}
