// Exec endpoints: create, start (detached, or streamed over the hijacked connection), inspect, resize.
import type {Readable, Writable} from 'node:stream'
import type {ExecInspectInfo} from 'dockerode'
import {STDERR, STDOUT} from '../../protocol/stdcopy.js'
import type {ExecRecord} from '../engine/exec.js'
import type {OutputType} from '../engine/output-fanout.js'
import {CLIENT_BUFFER_AFTER_EXIT} from '../engine/process-output.js'
import type {MockProcess} from '../engine/runtime.js'
import {ApiError} from '../server/api-error.js'
import {closeNow} from '../server/close.js'
import type {DaemonRequest, HijackedConnection} from '../server/daemon-request.js'
import {discardInput, type OutputStream, pumpStdin} from '../server/hijacked-output.js'
import {type ApiContext, streamFormat} from './context.js'
import {detachFilter} from './stdin.js'
import {detachKeys, envList, findContainer, findExec, isStringArray, notPaused, resizeQuery} from './validate.js'

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

export async function createExec(ctx: ApiContext, req: DaemonRequest, ref: string): Promise<void> {
  const body = (await req.json<ExecCreateBody>()) ?? {}
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError(400, 'exec config must be a JSON object')
  const cmd = typeof body.Cmd === 'string' ? [body.Cmd] : body.Cmd
  if (!isStringArray(cmd) || cmd.length === 0) throw new ApiError(400, 'No exec command specified')
  const env = envList(body.Env)
  let consoleSize: [number, number] | undefined
  if (Array.isArray(body.ConsoleSize) && body.ConsoleSize.length === 2 && body.ConsoleSize.every((n) => Number.isInteger(n) && n >= 0)) {
    consoleSize = body.ConsoleSize as [number, number]
    if (consoleSize[0] === 0 || consoleSize[1] === 0) consoleSize = undefined
  } else if (body.ConsoleSize !== undefined && body.ConsoleSize !== null) {
    throw new ApiError(400, 'ConsoleSize must be [height, width]')
  }
  const c = findContainer(ctx, ref)
  if (!c.running) throw new ApiError(409, `container ${c.id} is not running`)
  notPaused(c)
  const record = ctx.engine.createExec(c, {
    cmd,
    tty: body.Tty === true,
    attachStdin: body.AttachStdin === true,
    attachStdout: body.AttachStdout === true,
    attachStderr: body.AttachStderr === true,
    env,
    workdir: typeof body.WorkingDir === 'string' ? body.WorkingDir : '',
    user: typeof body.User === 'string' ? body.User : '',
    privileged: body.Privileged === true,
    detachKeys: detachKeys(typeof body.DetachKeys === 'string' ? body.DetachKeys : ''),
    consoleSize,
  })
  req.sendJson(201, {Id: record.id})
}

export async function startExec(ctx: ApiContext, req: DaemonRequest, id: string): Promise<void> {
  const body = (await req.json<{Detach?: boolean; Tty?: boolean}>()) ?? {}
  const record = findExec(ctx.engine, id)
  if (record.running) throw new ApiError(409, `Error: Exec command ${id} is already running`)
  if (record.started) throw new ApiError(409, `exec command ${id} has already run`)
  const c = record.container
  if (!c.running) throw new ApiError(409, `container ${c.id} is not running`)
  notPaused(c)
  if (body.Detach === true) {
    record.startDetached()
    req.send(200)
    ctx.events.emit('exec-start', {id, container: c.name, detach: true})
    return
  }
  const {startError} = c.faults
  if (startError) throw new ApiError(startError.status, startError.message)
  // dockerd frames by the start request's Tty, not the exec's.
  const session = req.hijack({upgrade: req.head.upgrade, faults: c.faults, ...streamFormat(req, body.Tty === true)})
  ctx.events.emit('exec-start', {id, container: c.name, detach: false})
  const failure = ctx.flavor.execStartFailure
  const problem = failure && record.startProblem()
  if (problem) {
    failedStart(record, session, failure(problem))
    return
  }
  // Not awaited: the session goes on by itself and this request's objects are not kept for its whole
  // length (memory at thousands of sessions, bench/mock-scale.js); a failure ends the connection.
  const socket = session.socket
  streamExec(record, session).catch(() => closeNow(socket))
}

/**
 * Podman's exec of a command that cannot start: no process, the exit code recorded, and the daemon's
 * words in the stream as stderr (podman writes them even when stderr was not attached), then the end.
 */
function failedStart(record: ExecRecord, session: HijackedConnection, failure: {code: number; text: string}): void {
  record.failStart(failure.code)
  session.output.write(STDERR, Buffer.from(failure.text))
  discardInput(session.socket, session.clientEnded, () => {})
  session.output.finish()
}

export function inspectExec(ctx: ApiContext, req: DaemonRequest, id: string): void {
  const info: ExecInspectInfo = findExec(ctx.engine, id).inspect()
  req.sendJson(200, info)
}

export async function resizeExec(ctx: ApiContext, req: DaemonRequest, id: string): Promise<void> {
  const [h, w] = resizeQuery(req)
  const record = findExec(ctx.engine, id)
  // A resize can race the start (the CLI retries); dockerd waits for the start too.
  if (!(await record.waitStarted(10_000))) throw new ApiError(500, 'timeout waiting for exec session ready')
  const ended = ctx.flavor.resizeEndedExec
  if (!record.running && ended) throw ended(record.container.id, record.id)
  if (record.running) record.process?.resize(h, w)
  req.send(200)
}

/**
 * Drains a process stream into `output` with backpressure (or drops it when no output) while the
 * process runs. Once it has exited, a slow client is buffered for instead of waited for, up to
 * CLIENT_BUFFER_AFTER_EXIT; a client further behind keeps what it has and gets the end of the stream.
 */
function pipeOutput(stream: Readable, type: OutputType, output: OutputStream | undefined, proc: MockProcess): void {
  stream.on('error', () => {})
  if (!output) {
    stream.resume()
    return
  }
  let exited = false
  proc.exited.then(() => {
    exited = true
    stream.resume()
  })
  stream.on('data', (data: Buffer) => {
    if (output.write(type, data)) return
    if (!exited) {
      stream.pause()
      output.wire.once('drain', () => stream.resume())
    } else if (output.buffered > CLIENT_BUFFER_AFTER_EXIT) output.finish()
  })
}

/**
 * Runs an exec over a hijacked connection: output until the process exits and its streams end (then FIN),
 * stdin until the client half-closes (then the process's stdin ends), and a vanished client kills it.
 */
function streamExec(record: ExecRecord, session: HijackedConnection): Promise<void> {
  const {socket, output} = session
  const {config} = record
  const proc = record.start()
  pipeOutput(proc.stdout, STDOUT, config.attachStdout ? output : undefined, proc)
  pipeOutput(proc.stderr, STDERR, config.attachStderr ? output : undefined, proc)
  let detached = false
  if (config.attachStdin) {
    const target: Writable = config.tty
      ? detachFilter(proc.stdin, config.detachKeys, () => {
        detached = true
        output.finish()
      })
      : proc.stdin
    pumpStdin(socket, session.leftover, session.clientEnded, target, () => target.end())
  } else {
    // A TTY without stdin is a terminal nobody types on, not an EOF (`script` would pass EOF on as ^D).
    if (!config.tty) proc.stdin.end()
    discardInput(socket, session.clientEnded, () => {})
  }
  let done = false
  socket.once('close', () => {
    if (!done && !detached) proc.kill('SIGKILL')
  })
  return record.finished.then(() => {
    done = true
    // The exit code is recorded before the client sees the end of the stream (the Docker CLI inspects once).
    output.finish()
  })
}
