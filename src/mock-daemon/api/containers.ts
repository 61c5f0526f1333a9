// Container endpoints: list, create, inspect, remove, start, stop, restart, kill, wait, resize.
// Input is checked in validate.ts; the state changes are the engine's (engine/container.ts).
import {type ContainerSpec, isRuntimeName, type RuntimeName} from '../config.js'
import type {Container, WaitCondition} from '../engine/container.js'
import {containerInspect, containerSummary} from '../engine/container-views.js'
import {ApiError} from '../server/api-error.js'
import type {DaemonRequest} from '../server/daemon-request.js'
import {containerFilters, listed} from './container-filters.js'
import type {ApiContext} from './context.js'
import {boolQuery, envList, findContainer, intQuery, isPlainObject, optionalBool, resizeQuery, signal, strslice} from './validate.js'

export function listContainers(ctx: ApiContext, req: DaemonRequest): void {
  const filters = containerFilters(req)
  const limit = intQuery(req, 'limit', -1)
  // Like dockerd: a status filter or a limit shows stopped containers too.
  const all = boolQuery(req, 'all') || filters.has('status') || limit > 0
  const now = Date.now()
  let list = [...ctx.engine.containers.all()].reverse().filter((c) => listed(c, filters, all))
  if (limit > 0) list = list.slice(0, limit)
  req.sendJson(200, list.map((c) => containerSummary(c, now)))
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
function generateName(ctx: ApiContext): string {
  for (let i = 0; ; i++) {
    const name = `${pick(ADJECTIVES)}_${pick(SURNAMES)}${i >= 10 ? i : ''}`
    if (!ctx.engine.containers.all().some((c) => c.name === name)) return name
  }
}

/** The create request's body as a container spec, in dockerd's words for what is wrong. */
function containerSpec(ctx: ApiContext, name: string, body: ContainerCreateBody | undefined): ContainerSpec {
  if (!isPlainObject(body)) throw new ApiError(400, 'Config cannot be empty in order to create a container')
  if (typeof body.Image !== 'string' || body.Image.trim() === '') throw new ApiError(400, 'no image specified')
  const cmd = strslice(body.Cmd, 'Cmd')
  const entrypoint = strslice(body.Entrypoint, 'Entrypoint')
  if (entrypoint.length === 1 && entrypoint[0] === '') entrypoint.length = 0 // Docker's "reset the entrypoint"
  if (entrypoint.length + cmd.length === 0) throw new ApiError(400, 'no command specified')
  const env = envList(body.Env)
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
  const runtime: RuntimeName = runtimeLabel ?? ctx.engine.defaultRuntime
  if (!ctx.engine.runtime(runtime)) throw new ApiError(400, `runtime "${runtime}" is not available in this daemon`)
  if (body.HostConfig !== undefined && body.HostConfig !== null && !isPlainObject(body.HostConfig)) {
    throw new ApiError(400, 'HostConfig must be an object')
  }
  let stopSignal: NodeJS.Signals | undefined
  if (body.StopSignal !== undefined && body.StopSignal !== null && body.StopSignal !== '') {
    if (typeof body.StopSignal !== 'string') throw new ApiError(400, `Invalid signal: ${String(body.StopSignal)}`)
    stopSignal = signal(body.StopSignal)
  }
  let stopTimeout: number | undefined
  if (body.StopTimeout !== undefined && body.StopTimeout !== null) {
    if (!Number.isInteger(body.StopTimeout)) throw new ApiError(400, 'StopTimeout must be an integer')
    stopTimeout = body.StopTimeout as number
  }
  return {
    name,
    image: body.Image,
    tty: optionalBool(body.Tty, 'Tty'),
    openStdin: optionalBool(body.OpenStdin, 'OpenStdin'),
    stdinOnce: optionalBool(body.StdinOnce, 'StdinOnce'),
    cmd,
    entrypoint,
    env,
    workdir,
    labels: labels as Record<string, string>,
    runtime,
    faults: {},
    hostConfig: (body.HostConfig as Record<string, unknown> | null | undefined) ?? {},
    stopSignal,
    stopTimeout,
  }
}

export async function createContainer(ctx: ApiContext, req: DaemonRequest): Promise<void> {
  const rawName = req.query.get('name') ?? ''
  if (rawName !== '' && !CONTAINER_NAME.test(rawName)) {
    throw new ApiError(400, `Invalid container name (${rawName}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`)
  }
  const body = await req.json<ContainerCreateBody>()
  const name = rawName === '' ? generateName(ctx) : rawName.replace(/^\//, '')
  const spec = containerSpec(ctx, name, body)
  const taken = ctx.engine.containers.all().find((c) => c.name === name)
  if (taken) {
    throw new ApiError(409, `Conflict. The container name "/${name}" is already in use by container "${taken.id}". You have to remove (or rename) that container to be able to reuse that name.`)
  }
  const c = ctx.engine.addContainer(spec, ctx.engine.runtime(spec.runtime)!)
  req.sendJson(201, {Id: c.id, Warnings: []})
}

export async function removeContainer(ctx: ApiContext, req: DaemonRequest, ref: string): Promise<void> {
  const c = findContainer(ctx, ref)
  if (c.running) {
    if (!boolQuery(req, 'force')) {
      throw new ApiError(409, `You cannot remove a running container ${c.id}. Stop the container before attempting removal or force remove`)
    }
    // Killed, not stopped: dockerd's events for `rm -f` are kill, die, destroy (no stop).
    const exited = c.wait('not-running')
    c.kill('SIGKILL')
    await exited
  }
  ctx.engine.removeContainer(c)
  req.send(204)
}

export function inspectContainer(ctx: ApiContext, req: DaemonRequest, ref: string): void {
  const info = containerInspect(findContainer(ctx, ref))
  if (!ctx.flavor.reportsStdinOnce) info.Config.StdinOnce = false
  req.sendJson(200, info)
}

export async function waitContainer(ctx: ApiContext, req: DaemonRequest, ref: string): Promise<void> {
  const c = findContainer(ctx, ref)
  const raw = req.query.get('condition') || 'not-running'
  if (!['not-running', 'next-exit', 'removed'].includes(raw)) throw new ApiError(400, `invalid condition: "${raw}"`)
  // Headers now so the client knows the wait is registered; the body when the container stops.
  const exit = c.wait(raw as WaitCondition)
  const response = req.startChunked(200, 'application/json')
  let onClose = (): void => {}
  const closed = new Promise<undefined>((resolve) => {
    onClose = () => resolve(undefined)
    req.socket.once('close', onClose)
  })
  const code = await Promise.race([exit, closed])
  req.socket.off('close', onClose) // keep-alive connections may carry many waits: no listener left behind
  if (code !== undefined) response.end(Buffer.from(`${JSON.stringify({StatusCode: code, Error: null})}\n`))
}

export function killContainer(ctx: ApiContext, req: DaemonRequest, ref: string): void {
  const c = findContainer(ctx, ref)
  const sig = signal(req.query.get('signal') || 'KILL')
  if (!c.running) throw new ApiError(409, `Cannot kill container: ${ref}: Container ${c.id} is not running`)
  c.kill(sig)
  req.send(204)
}

export function resizeContainer(ctx: ApiContext, req: DaemonRequest, ref: string): void {
  const [h, w] = resizeQuery(req)
  const c = findContainer(ctx, ref)
  if (!c.running) throw new ApiError(409, `Container ${c.id} is not running`)
  c.process?.resize(h, w)
  req.send(200)
}

/** Starts the main process; a runtime that can tell it cannot run fails the request, as dockerd's does. */
function startMain(c: Container): void {
  const problem = c.startProblem()
  if (problem) throw new ApiError(400, problem)
  c.start()
}

export function startContainer(ctx: ApiContext, req: DaemonRequest, ref: string): void {
  const c = findContainer(ctx, ref)
  if (c.running) {
    req.send(304)
    return
  }
  startMain(c)
  req.send(204)
}

function stopQuery(req: DaemonRequest, c: Container): [number, NodeJS.Signals] {
  const seconds = intQuery(req, 't', c.spec.stopTimeout ?? 10)
  const raw = req.query.get('signal')
  return [seconds, raw ? signal(raw) : c.spec.stopSignal ?? 'SIGTERM']
}

export async function stopContainer(ctx: ApiContext, req: DaemonRequest, ref: string): Promise<void> {
  const c = findContainer(ctx, ref)
  const [seconds, sig] = stopQuery(req, c)
  if (!c.running) {
    req.send(304)
    return
  }
  await c.stop(seconds, sig)
  req.send(204)
}

export async function restartContainer(ctx: ApiContext, req: DaemonRequest, ref: string): Promise<void> {
  const c = findContainer(ctx, ref)
  const [seconds, sig] = stopQuery(req, c)
  const problem = await c.restart(seconds, sig)
  if (c.removed) throw new ApiError(404, ctx.flavor.noSuchContainer(ref))
  if (problem) throw new ApiError(400, problem)
  req.send(204)
}
