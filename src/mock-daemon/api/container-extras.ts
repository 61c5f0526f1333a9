// The container endpoints beyond the lifecycle: top, pause/unpause, rename, stats, changes, update and
// archive GET/HEAD (docker cp out of a process-runtime container's working directory).
import {execFile, spawn} from 'node:child_process'
import {lstatSync, readFileSync, realpathSync} from 'node:fs'
import {cpus, totalmem} from 'node:os'
import {basename, dirname, isAbsolute, resolve, sep} from 'node:path'
import type {Container} from '../engine/container.js'
import type {Engine} from '../engine/engine.js'
import {processTree, treeStopped} from '../engine/process-tree.js'
import {ApiError} from '../server/api-error.js'
import type {DaemonRequest} from '../server/daemon-request.js'
import type {ApiContext} from './context.js'
import {findContainer, isPlainObject, runningContainer, strictBoolQuery} from './validate.js'

// --- top ---

const PS_ARG = /^[a-zA-Z0-9,=:_ -]*$/

/** `ps` with the client's arguments (default -ef), its rows narrowed to the container's processes, as dockerd does. */
export async function top(ctx: ApiContext, req: DaemonRequest, ref: string): Promise<void> {
  const c = runningContainer(ctx, ref)
  const psArgs = req.query.get('ps_args') || '-ef'
  if (!PS_ARG.test(psArgs)) throw new ApiError(400, `invalid ps_args: ${JSON.stringify(psArgs)}`)
  const pids = ctx.engine.processRoots(c)
  if (pids.length === 0) {
    // A builtin program is no OS process: one row for it, with dockerd's default columns.
    req.sendJson(200, {Titles: ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'], Processes: [['', '0', '0', '0', '', '?', '00:00:00', c.argv.join(' ')]]})
    return
  }
  const inTree = new Set(processTree(pids).map((p) => String(p.pid)))
  const output = await new Promise<string>((done, fail) => {
    execFile('ps', psArgs.split(/\s+/).filter(Boolean), {maxBuffer: 16 * 1024 * 1024}, (error, stdout, stderr) => {
      if (error) fail(new ApiError(500, `Error running ps: ${stderr.trim() || error.message}`))
      else done(stdout)
    })
  })
  const [header, ...rows] = output.split('\n').filter((line) => line.trim() !== '')
  const titles = header.trim().split(/\s+/)
  const pidColumn = titles.indexOf('PID')
  if (pidColumn < 0) throw new ApiError(500, `Couldn't find PID field in ps output`)
  const processes = rows.map((row) => {
    // The last column (the command) keeps its spaces.
    const fields = row.trim().split(/\s+/)
    return [...fields.slice(0, titles.length - 1), fields.slice(titles.length - 1).join(' ')]
  }).filter((fields) => inTree.has(fields[pidColumn]))
  req.sendJson(200, {Titles: titles, Processes: processes})
}

// --- pause / unpause ---

export async function pause(ctx: ApiContext, req: DaemonRequest, ref: string): Promise<void> {
  const c = runningContainer(ctx, ref)
  if (c.paused) throw new ApiError(409, `Container ${c.id} is already paused`)
  const roots = ctx.engine.processRoots(c)
  c.pause(roots)
  // Answer once the processes have really stopped: a client that looks right after must find them so.
  await treeStopped(roots)
  req.send(204)
}

export function unpause(ctx: ApiContext, req: DaemonRequest, ref: string): void {
  const c = findContainer(ctx, ref)
  if (!c.paused) throw new ApiError(409, `Container ${c.id} is not paused`)
  c.unpause(ctx.engine.processRoots(c))
  req.send(204)
}

// --- rename ---

const CONTAINER_NAME = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/

export function rename(ctx: ApiContext, req: DaemonRequest, ref: string): void {
  const newName = req.query.get('name') ?? ''
  const c = findContainer(ctx, ref)
  if (newName === '') throw new ApiError(400, 'Neither old nor new names may be empty')
  if (!CONTAINER_NAME.test(newName)) throw new ApiError(400, `Invalid container name (${newName}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`)
  const name = newName.replace(/^\//, '')
  if (name === c.name) throw new ApiError(400, 'Renaming a container with the same name as its current name')
  const taken = ctx.engine.containers.all().find((other) => other.name === name)
  if (taken) {
    throw new ApiError(409, `Conflict. The container name "/${name}" is already in use by container "${taken.id}". You have to remove (or rename) that container to be able to reuse that name.`)
  }
  c.rename(name)
  req.send(204)
}

// --- stats ---

/** Clock ticks per second (USER_HZ), which is 100 on Linux. */
const TICK_NS = 10_000_000

function systemCpuNs(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]
  return line.trim().split(/\s+/).slice(1).reduce((sum, n) => sum + Number(n), 0) * TICK_NS
}

interface Sample {
  read: string
  cpuNs: number
  systemNs: number
  rss: number
  pids: number
}

function sample(engine: Engine, c: Container): Sample {
  const procs = c.running ? processTree(engine.processRoots(c)) : []
  return {
    read: new Date().toISOString(),
    cpuNs: procs.reduce((sum, p) => sum + p.cpuTicks, 0) * TICK_NS,
    systemNs: systemCpuNs(),
    rss: procs.reduce((sum, p) => sum + p.rss, 0),
    pids: procs.length,
  }
}

const ZERO = '0001-01-01T00:00:00Z'

function cpuStats(s: Sample | undefined): Record<string, unknown> {
  return {
    cpu_usage: {total_usage: s?.cpuNs ?? 0, usage_in_kernelmode: 0, usage_in_usermode: 0},
    system_cpu_usage: s?.systemNs ?? 0,
    online_cpus: s ? cpus().length : 0,
    throttling_data: {periods: 0, throttled_periods: 0, throttled_time: 0},
  }
}

/** The `ContainerStats` shape: real CPU time and RSS of the container's processes, zeros where unknown. */
function statsBody(c: Container, now: Sample | undefined, before: Sample | undefined): Record<string, unknown> {
  return {
    name: `/${c.name}`,
    id: c.id,
    read: now?.read ?? ZERO,
    preread: before?.read ?? ZERO,
    pids_stats: now ? {current: now.pids} : {},
    blkio_stats: {io_service_bytes_recursive: null, io_serviced_recursive: null, io_queue_recursive: null, io_service_time_recursive: null, io_wait_time_recursive: null, io_merged_recursive: null, io_time_recursive: null, sectors_recursive: null},
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpuStats(now),
    precpu_stats: cpuStats(before),
    memory_stats: now ? {usage: now.rss, limit: totalmem(), stats: {}} : {},
  }
}

/** Resolves true after `ms`, or false as soon as `early` settles (whichever comes first); leaves no timer. */
async function tick(ms: number, early: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const elapsed = new Promise<boolean>((done) => {
    timer = setTimeout(() => done(true), ms)
  })
  const result = await Promise.race([elapsed, early.then(() => false)])
  clearTimeout(timer)
  return result
}

export async function stats(ctx: ApiContext, req: DaemonRequest, ref: string): Promise<void> {
  const stream = strictBoolQuery(req, 'stream', true)
  const oneShot = strictBoolQuery(req, 'one-shot', false)
  if (oneShot && stream) throw new ApiError(400, 'cannot have stream=true and one-shot=true')
  const c = findContainer(ctx, ref)
  if (stream) {
    await statsStream(ctx, req, c)
    return
  }
  if (!c.running) {
    // dockerd's answer for a stopped container: one body of zeros.
    req.sendJson(200, statsBody(c, undefined, undefined))
    return
  }
  const {gone, off: offGone} = req.clientGone()
  let offStopped = (): void => {}
  const stopped = new Promise<void>((done) => {
    offStopped = c.stopped.on(() => done())
  })
  // Like dockerd, two samples a second apart (one-shot: one), so the client can compute a CPU percentage.
  const before = sample(ctx.engine, c)
  const now = oneShot ? before : (await tick(1000, Promise.race([gone, stopped]))) ? sample(ctx.engine, c) : before
  offGone()
  offStopped()
  req.sendJson(200, statsBody(c, now, oneShot ? undefined : before))
}

/**
 * One body a second for as long as the container exists and the client stays, as dockerd's stats collector
 * does: each body carries the one before as precpu_stats/preread; while the container is not running the
 * bodies are empty (name, id, zeros), and a restart brings real figures back. Only a removal (or the client
 * leaving) ends the stream: ending it when the container stops makes the Docker CLI's live table show `--`
 * (and `docker stats NAME` give up with "EOF" when the container is already stopped).
 */
async function statsStream(ctx: ApiContext, req: DaemonRequest, c: Container): Promise<void> {
  const {gone, off: offGone} = req.clientGone()
  let offRemoved = (): void => {}
  const removed = new Promise<void>((done) => {
    offRemoved = c.removal.on(() => done())
  })
  const ended = Promise.race([gone, removed])
  const current = (): Sample | undefined => (c.running ? sample(ctx.engine, c) : undefined)
  const response = req.startChunked(200, 'application/json')
  let before = current()
  response.write(Buffer.from(`${JSON.stringify(statsBody(c, before, undefined))}\n`))
  // A client that stops reading gets no more than the log limit buffered: the stream ends there.
  while (!c.removed && (await tick(1000, ended)) && response.buffered <= ctx.engine.logSize) {
    const now = current()
    response.write(Buffer.from(`${JSON.stringify(statsBody(c, now, before))}\n`))
    before = now
  }
  offGone()
  offRemoved()
  response.end()
}

// --- changes, update ---

export function changes(ctx: ApiContext, req: DaemonRequest, ref: string): void {
  findContainer(ctx, ref)
  // Nothing is layered: no change to report.
  req.sendJson(200, [])
}

const RESTART_POLICIES = ['', 'no', 'always', 'unless-stopped', 'on-failure']
/** The UpdateConfig fields that are numbers. */
const NUMERIC = ['CpuShares', 'Memory', 'NanoCpus', 'CpuPeriod', 'CpuQuota', 'CpuRealtimePeriod', 'CpuRealtimeRuntime', 'MemoryReservation', 'MemorySwap', 'KernelMemory', 'KernelMemoryTCP', 'MemorySwappiness', 'PidsLimit', 'BlkioWeight', 'CPUCount', 'CPUPercent', 'IOMaximumIOps', 'IOMaximumBandwidth']

export async function update(ctx: ApiContext, req: DaemonRequest, ref: string): Promise<void> {
  const body = await req.json<Record<string, unknown>>()
  const c = findContainer(ctx, ref)
  if (!isPlainObject(body)) throw new ApiError(400, 'update config must be a JSON object')
  for (const key of NUMERIC) {
    if (body[key] !== undefined && body[key] !== null && !Number.isInteger(body[key])) throw new ApiError(400, `${key} must be an integer`)
  }
  const policy = body.RestartPolicy
  if (policy !== undefined && policy !== null) {
    if (!isPlainObject(policy) || (policy.Name !== undefined && typeof policy.Name !== 'string')) throw new ApiError(400, 'RestartPolicy must be {"Name": ..., "MaximumRetryCount": ...}')
    const name = (policy.Name as string | undefined) ?? ''
    if (!RESTART_POLICIES.includes(name)) throw new ApiError(400, `invalid restart policy '${name}'`)
    if (name !== '' && name !== 'no' && c.spec.hostConfig?.AutoRemove === true) throw new ApiError(400, 'Restart policy cannot be updated because AutoRemove is enabled for the container')
  }
  // Recorded for inspect, never applied (HostConfig is not applied either).
  c.update(body)
  req.sendJson(200, {Warnings: []})
}

// --- archive (docker cp out) ---

/** Go's os.FileMode bits for what `stat` says (the X-Docker-Container-Path-Stat header). */
function goFileMode(mode: number): number {
  const perm = mode & 0o777
  const type = mode & 0o170000
  if (type === 0o040000) return (2 ** 31 + perm) >>> 0 // ModeDir
  if (type === 0o120000) return (2 ** 27 + perm) >>> 0 // ModeSymlink
  return perm
}

/** The host path for `path` in the container, only inside a process-runtime container's working directory. */
function archivePath(c: Container, ref: string, path: string): string {
  const notFound = new ApiError(404, `Could not find the file ${path} in container ${ref}`)
  const workdir = c.spec.workdir
  if (c.spec.runtime !== 'process' || workdir === '') throw notFound
  let root: string
  let target: string
  try {
    root = realpathSync(workdir)
    target = realpathSync(resolve(root, isAbsolute(path) ? path : `./${path}`))
  } catch {
    throw notFound
  }
  // Only what is inside the working directory (symlinks resolved): the rest of the host is not the container's.
  if (target !== root && !target.startsWith(root + sep)) throw notFound
  return target
}

export async function getArchive(ctx: ApiContext, req: DaemonRequest, ref: string): Promise<void> {
  const path = req.query.get('path') ?? ''
  if (path === '') throw new ApiError(400, 'bad parameter: path cannot be empty')
  const c = findContainer(ctx, ref)
  const target = archivePath(c, ref, path)
  const st = lstatSync(target)
  const stat = {name: basename(path.replace(/\/+$/, '')) || '/', size: st.size, mode: goFileMode(st.mode), mtime: st.mtime.toISOString(), linkTarget: ''}
  const header = {'X-Docker-Container-Path-Stat': Buffer.from(JSON.stringify(stat)).toString('base64')}
  if (req.method === 'HEAD') {
    req.send(200, undefined, undefined, header)
    return
  }
  // The tar of the file or directory under its own name, from GNU tar (as dockerd's archive has it).
  const tar = spawn('tar', ['-c', '-C', dirname(target), '--', basename(target)], {stdio: ['ignore', 'pipe', 'ignore']})
  const response = req.startChunked(200, 'application/x-tar', header)
  const {gone, off} = req.clientGone()
  gone.then(() => tar.kill('SIGKILL'))
  for await (const chunk of tar.stdout) {
    if (req.socket.destroyed) break
    if (!response.write(chunk as Buffer)) await response.drained()
  }
  off()
  response.end()
}
