// The Engine API endpoints the mock answers, with Docker's status codes and words.
import {cpus, hostname, release, totalmem} from 'node:os'
import {HijackError} from '../transport/errors.js'
import {EXTRA_ROUTES} from './api-routes-extra.js'
import {refuseIfPaused} from './api-container-extras.js'
import {runAttach} from './attach.js'
import {type ContainerSpec, isRuntimeName, type RuntimeName} from './config.js'
import {AmbiguousError, type Container, parseSignal, type WaitCondition} from './containers.js'
import {ExecRecord, runDetached, runExec} from './exec.js'
import {ApiError} from './http.js'
import {ProcessRuntime} from './runtime-process.js'
import type {Exchange} from './server.js'
import {goArch} from './host-info.js'
import {checkDetachKeys} from './stdin.js'
import {API_VERSION, ENGINE_VERSION, MIN_API_VERSION} from './version.js'

type Handler = (ex: Exchange, ...params: string[]) => Promise<void> | void

const ROUTES: [method: string, pattern: RegExp, handler: Handler][] = [
  ['GET', /^\/_ping$/, ping],
  ['HEAD', /^\/_ping$/, ping],
  ['GET', /^\/version$/, version],
  ['GET', /^\/info$/, info],
  ['GET', /^\/containers\/json$/, listContainers],
  ['POST', /^\/containers\/create$/, createContainer],
  ['DELETE', /^\/containers\/([^/]+)$/, removeContainer],
  ['GET', /^\/containers\/([^/]+)\/json$/, inspectContainer],
  ['POST', /^\/containers\/([^/]+)\/exec$/, createExec],
  ['POST', /^\/containers\/([^/]+)\/attach$/, attach],
  ['POST', /^\/containers\/([^/]+)\/wait$/, wait],
  ['POST', /^\/containers\/([^/]+)\/kill$/, kill],
  ['POST', /^\/containers\/([^/]+)\/resize$/, resizeContainer],
  ['POST', /^\/containers\/([^/]+)\/start$/, startContainer],
  ['POST', /^\/containers\/([^/]+)\/stop$/, stopContainer],
  ['POST', /^\/containers\/([^/]+)\/restart$/, restartContainer],
  ['POST', /^\/exec\/([^/]+)\/start$/, startExec],
  ['POST', /^\/exec\/([^/]+)\/resize$/, resizeExec],
  ['GET', /^\/exec\/([^/]+)\/json$/, inspectExec],
  ...EXTRA_ROUTES,
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
    ContainersPaused: all.filter((c) => c.paused).length,
    ContainersStopped: all.length - running,
    Images: ex.server.images.all().length,
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

const STATES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead']
const SUPPORTED_FILTERS = new Set(['id', 'name', 'label', 'status', 'exited'])
/** Filters dockerd knows that the mock does not implement: refused rather than ignored. */
const UNSUPPORTED_FILTERS = new Set(['ancestor', 'before', 'since', 'volume', 'network', 'publish', 'expose', 'health', 'isolation', 'is-task'])

/** `filters` in either of Docker's JSON forms: {"label": {"k=v": true}} or {"label": ["k=v"]}. */
function parseFilters(raw: string | null): Map<string, string[]> {
  const filters = new Map<string, string[]>()
  if (raw === null || raw.trim() === '') return filters
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch (error) {
    throw new ApiError(400, `invalid filter: ${(error as Error).message}`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ApiError(400, 'invalid filter: expected a JSON object')
  for (const [key, value] of Object.entries(parsed)) {
    let values: string[]
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) values = value
    else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      values = Object.entries(value).filter(([, on]) => on === true).map(([v]) => v)
    } else throw new ApiError(400, `invalid filter '${key}'`)
    if (UNSUPPORTED_FILTERS.has(key)) throw new ApiError(400, `filter '${key}' is not supported by the hijack mock daemon`)
    if (!SUPPORTED_FILTERS.has(key)) throw new ApiError(400, `invalid filter '${key}'`)
    if (key === 'status') {
      for (const v of values) if (!STATES.includes(v)) throw new ApiError(400, `invalid filter 'status=${v}'`)
    }
    if (key === 'exited') {
      for (const v of values) if (!/^-?\d+$/.test(v)) throw new ApiError(400, `invalid filter 'exited=${v}'`)
    }
    if (values.length > 0) filters.set(key, values)
  }
  return filters
}

/** dockerd's filter match: the exact value, or the value as a regular expression anywhere in `source`. */
function matches(values: string[] | undefined, source: string): boolean {
  if (!values) return true
  return values.some((value) => {
    if (value === source) return true
    try {
      return new RegExp(value).test(source)
    } catch {
      return false
    }
  })
}

/** Every `key` or `key=value` must hold. */
function labelsMatch(values: string[] | undefined, labels: Record<string, string>): boolean {
  if (!values) return true
  return values.every((value) => {
    const eq = value.indexOf('=')
    if (eq < 0) return Object.hasOwn(labels, value)
    const key = value.slice(0, eq)
    return Object.hasOwn(labels, key) && labels[key] === value.slice(eq + 1)
  })
}

function listContainers(ex: Exchange): void {
  const filters = parseFilters(ex.query.get('filters'))
  const limit = intQuery(ex, 'limit', -1)
  // Like dockerd: a status filter or a limit shows stopped containers too.
  const all = boolQuery(ex, 'all') || filters.has('status') || limit > 0
  const exited = filters.get('exited')?.map(Number)
  const now = Date.now()
  let list = [...ex.server.containers.all()].reverse().filter((c) =>
    (all || c.running) &&
    // dockerd tries the name with and without its slash: `name=^web$` and `name=^/web$` both work.
    (matches(filters.get('name'), `/${c.name}`) || matches(filters.get('name'), c.name)) &&
    matches(filters.get('id'), c.id) &&
    labelsMatch(filters.get('label'), c.spec.labels) &&
    matches(filters.get('status'), c.status) &&
    (!exited || (!c.running && exited.includes(c.exitCode))))
  if (limit > 0) list = list.slice(0, limit)
  ex.sendJson(200, list.map((c) => c.summary(now)))
}

interface ContainerCreateBody {
  Image?: unknown
  Cmd?: unknown
  Entrypoint?: unknown
  Env?: unknown
  WorkingDir?: unknown
  Tty?: unknown
  OpenStdin?: unknown
  StdinOnce?: unknown
  Labels?: unknown
  HostConfig?: unknown
  StopSignal?: unknown
  StopTimeout?: unknown
}

/** Docker's rule for container names (two characters at least). */
const CONTAINER_NAME = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/
const ADJECTIVES = ['brave', 'calm', 'eager', 'fancy', 'gentle', 'happy', 'jolly', 'keen', 'lucid', 'merry', 'nifty', 'quirky', 'sharp', 'tender', 'vivid', 'zen']
const SURNAMES = ['babbage', 'curie', 'darwin', 'euler', 'fermat', 'gauss', 'hopper', 'kepler', 'lovelace', 'noether', 'pascal', 'ritchie', 'shannon', 'turing', 'volta', 'wozniak']

function pick(list: string[]): string {
  return list[Math.floor(Math.random() * list.length)]
}

/** A free `adjective_surname` name, as dockerd makes up. */
function generateName(ex: Exchange): string {
  for (let i = 0; ; i++) {
    const name = `${pick(ADJECTIVES)}_${pick(SURNAMES)}${i >= 10 ? i : ''}`
    if (!ex.server.containers.all().some((c) => c.name === name)) return name
  }
}

/** Docker's strslice: a JSON string is a one-element list; null is empty. */
function strslice(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return []
  if (typeof value === 'string') return [value]
  if (isStringArray(value)) return value
  throw new ApiError(400, `${field} must be a string or an array of strings`)
}

function optionalBool(value: unknown, field: string): boolean {
  if (value === undefined || value === null) return false
  if (typeof value !== 'boolean') throw new ApiError(400, `${field} must be true or false`)
  return value
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

async function createContainer(ex: Exchange): Promise<void> {
  const rawName = ex.query.get('name') ?? ''
  if (rawName !== '' && !CONTAINER_NAME.test(rawName)) {
    throw new ApiError(400, `Invalid container name (${rawName}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`)
  }
  const body = await ex.json<ContainerCreateBody>()
  if (!isPlainObject(body)) throw new ApiError(400, 'Config cannot be empty in order to create a container')
  if (typeof body.Image !== 'string' || body.Image.trim() === '') throw new ApiError(400, 'no image specified')
  const cmd = strslice(body.Cmd, 'Cmd')
  const entrypoint = strslice(body.Entrypoint, 'Entrypoint')
  if (entrypoint.length === 1 && entrypoint[0] === '') entrypoint.length = 0 // Docker's "reset the entrypoint"
  if (entrypoint.length + cmd.length === 0) throw new ApiError(400, 'no command specified')
  if (body.Env !== undefined && body.Env !== null && !isStringArray(body.Env)) throw new ApiError(400, 'Env must be an array of strings')
  let workdir = ''
  if (body.WorkingDir !== undefined && body.WorkingDir !== null) {
    if (typeof body.WorkingDir !== 'string') throw new ApiError(400, 'WorkingDir must be a string')
    if (body.WorkingDir !== '' && !body.WorkingDir.startsWith('/')) {
      throw new ApiError(400, `the working directory '${body.WorkingDir}' is invalid, it needs to be an absolute path`)
    }
    workdir = body.WorkingDir
  }
  const labels = body.Labels ?? {}
  if (!isPlainObject(labels) || !Object.values(labels).every((v) => typeof v === 'string')) {
    throw new ApiError(400, 'Labels must be an object of strings')
  }
  const runtimeLabel = (labels as Record<string, string>)['hijack.runtime']
  if (runtimeLabel !== undefined && !isRuntimeName(runtimeLabel)) {
    throw new ApiError(400, `invalid label hijack.runtime=${JSON.stringify(runtimeLabel)}: expected "process" or "builtin"`)
  }
  const runtimeName: RuntimeName = runtimeLabel ?? ex.server.options.defaultRuntime ?? 'process'
  const runtime = ex.server.options.runtimes[runtimeName]
  if (!runtime) throw new ApiError(400, `runtime "${runtimeName}" is not available in this daemon`)
  if (body.HostConfig !== undefined && body.HostConfig !== null && !isPlainObject(body.HostConfig)) {
    throw new ApiError(400, 'HostConfig must be an object')
  }
  let stopSignal: NodeJS.Signals | undefined
  if (body.StopSignal !== undefined && body.StopSignal !== null && body.StopSignal !== '') {
    stopSignal = typeof body.StopSignal === 'string' ? parseSignal(body.StopSignal) : undefined
    if (!stopSignal) throw new ApiError(400, `Invalid signal: ${String(body.StopSignal)}`)
  }
  let stopTimeout: number | undefined
  if (body.StopTimeout !== undefined && body.StopTimeout !== null) {
    if (!Number.isInteger(body.StopTimeout)) throw new ApiError(400, 'StopTimeout must be an integer')
    stopTimeout = body.StopTimeout as number
  }
  const name = rawName === '' ? generateName(ex) : rawName.replace(/^\//, '')
  const taken = ex.server.containers.all().find((c) => c.name === name)
  if (taken) {
    throw new ApiError(409, `Conflict. The container name "/${name}" is already in use by container "${taken.id}". You have to remove (or rename) that container to be able to reuse that name.`)
  }
  const spec: ContainerSpec = {
    name,
    image: body.Image,
    tty: optionalBool(body.Tty, 'Tty'),
    openStdin: optionalBool(body.OpenStdin, 'OpenStdin'),
    stdinOnce: optionalBool(body.StdinOnce, 'StdinOnce'),
    cmd,
    entrypoint,
    env: (body.Env as string[] | undefined | null) ?? [],
    workdir,
    labels: labels as Record<string, string>,
    runtime: runtimeName,
    faults: {},
    hostConfig: (body.HostConfig as Record<string, unknown> | null | undefined) ?? {},
    stopSignal,
    stopTimeout,
  }
  const c = ex.server.addContainer(spec, runtime)
  // HostConfig.AutoRemove (`docker run --rm`): gone once the main process has exited.
  if (spec.hostConfig?.AutoRemove === true) c.onStopped(() => removeFromDaemon(ex.server, c))
  c.emit('create')
  ex.sendJson(201, {Id: c.id, Warnings: []})
}

function removeFromDaemon(server: Exchange['server'], c: Container): void {
  server.containers.remove(c)
  for (const id of c.execIds) server.execs.delete(id)
  c.markRemoved()
  c.emit('destroy')
}

async function removeContainer(ex: Exchange, ref: string): Promise<void> {
  const c = container(ex, ref)
  if (c.running) {
    if (!boolQuery(ex, 'force')) {
      throw new ApiError(409, `You cannot remove a running container ${c.id}. Stop the container before attempting removal or force remove`)
    }
    await c.stop(-1, 'SIGKILL')
  }
  removeFromDaemon(ex.server, c)
  ex.send(204)
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
  refuseIfPaused(c)
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
  }, ex.server.track)
  ex.server.execs.set(record.id, record)
  c.execIds.add(record.id)
  c.emit(`exec_create: ${cmd.join(' ')}`, {execID: record.id})
  ex.sendJson(201, {Id: record.id})
}

async function startExec(ex: Exchange, id: string): Promise<void> {
  const body = (await ex.json<{Detach?: boolean; Tty?: boolean}>()) ?? {}
  const record = execRecord(ex, id)
  if (record.running) throw new ApiError(409, `Error: Exec command ${id} is already running`)
  if (record.started) throw new ApiError(409, `exec command ${id} has already run`)
  const c = record.container
  if (!c.running) throw new ApiError(409, `container ${c.id} is not running`)
  refuseIfPaused(c)
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
  // Not awaited: the session goes on by itself and this request's objects are not kept for its whole
  // length (memory at thousands of sessions, bench/mock-scale.js); a failure ends the connection.
  const socket = ex.socket
  runExec(record, {socket, ...session}).catch(() => socket.destroy())
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
  // dockerode sends its options as a JSON body too (dockerd may read it as stdin, dockerode#742): a body
  // declared with Content-Length is part of the request here, never stdin. A chunked body is left to the stream.
  if ((ex.req.contentLength ?? 0) > 0) {
    try {
      await ex.json()
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 400 && error.message.startsWith('invalid JSON'))) throw error
    }
  }
  const {startError} = c.faults
  if (startError) throw new ApiError(startError.status, startError.message)
  const session = ex.hijack({upgrade: ex.req.upgrade, faults: c.faults, ...streamContentType(ex, c.spec.tty)})
  ex.server.events.emit('attach', {container: c.name, id: c.id})
  c.emit('attach')
  // Not awaited, like an exec session: see startExec.
  const socket = ex.socket
  runAttach(c, {socket, ...session}, options).catch(() => socket.destroy())
}

async function wait(ex: Exchange, ref: string): Promise<void> {
  const c = container(ex, ref)
  const raw = ex.query.get('condition') || 'not-running'
  if (!['not-running', 'next-exit', 'removed'].includes(raw)) throw new ApiError(400, `invalid condition: "${raw}"`)
  // Headers now so the client knows the wait is registered; the body when the container stops.
  const exit = c.wait(raw as WaitCondition)
  const response = ex.startChunked(200, 'application/json')
  let onClose = (): void => {}
  const closed = new Promise<undefined>((resolve) => {
    onClose = () => resolve(undefined)
    ex.socket.once('close', onClose)
  })
  const code = await Promise.race([exit, closed])
  ex.socket.off('close', onClose) // keep-alive connections may carry many waits: no listener left behind
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

/**
 * Starts the main process. With the process runtime a command that cannot run fails the request, as
 * dockerd's does (exit code 127 or 126 recorded); the builtin runtime reports it from the process instead.
 */
function startMain(c: Container): void {
  const runtime = c.runtime
  if (runtime instanceof ProcessRuntime) {
    const problem = runtime.check({cmd: c.argv, env: c.env, workdir: c.spec.workdir || undefined, tty: c.spec.tty})
    if (problem) {
      const message = `failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: ${problem.detail}: unknown`
      c.failStart(problem.code, message)
      throw new ApiError(400, message)
    }
  }
  c.start()
}

function startContainer(ex: Exchange, ref: string): void {
  const c = container(ex, ref)
  if (c.running) {
    ex.send(304)
    return
  }
  startMain(c)
  ex.send(204)
}

function stopArgs(ex: Exchange, c: Container): [number, NodeJS.Signals] {
  const seconds = intQuery(ex, 't', c.spec.stopTimeout ?? 10)
  const raw = ex.query.get('signal')
  const signal = raw ? parseSignal(raw) : c.spec.stopSignal ?? 'SIGTERM'
  if (!signal) throw new ApiError(400, `Invalid signal: ${raw}`)
  return [seconds, signal]
}

async function stopContainer(ex: Exchange, ref: string): Promise<void> {
  const c = container(ex, ref)
  const [seconds, signal] = stopArgs(ex, c)
  if (!c.running) {
    ex.send(304)
    return
  }
  await c.stop(seconds, signal)
  c.emit('stop')
  ex.send(204)
}

async function restartContainer(ex: Exchange, ref: string): Promise<void> {
  const c = container(ex, ref)
  const [seconds, signal] = stopArgs(ex, c)
  await c.stop(seconds, signal)
  if (c.removed) throw new ApiError(404, `No such container: ${ref}`)
  if (!c.running) startMain(c)
  c.emit('restart')
  ex.send(204)
}
