// POST /containers/{id}/attach: a client attached to a container's main process over a hijacked connection.
import type {Writable} from 'node:stream'
import {STDOUT} from '../../protocol/stdcopy.js'
import type {Container} from '../engine/container.js'
import type {Subscriber} from '../engine/output-fanout.js'
import type {MockProcess} from '../engine/runtime.js'
import {ApiError} from '../server/api-error.js'
import {closeNow} from '../server/close.js'
import type {DaemonRequest, HijackedConnection} from '../server/daemon-request.js'
import {discardInput, pumpStdin} from '../server/hijacked-output.js'
import {type ApiContext, streamFormat} from './context.js'
import {podmanLogReplay} from './podman-log-replay.js'
import {detachFilter} from './stdin.js'
import {boolQuery, detachKeys, findContainer} from './validate.js'

export interface AttachOptions {
  stdin: boolean
  stdout: boolean
  stderr: boolean
  logs: boolean
  stream: boolean
  detachKeys: string
  /** The client's half-close ends stdin even without StdinOnce (podman flavor). */
  halfCloseEndsStdin: boolean
  /** logs=1 replays podman's broken frames, of both streams (podman flavor). */
  misframedLogReplay: boolean
}

export async function attach(ctx: ApiContext, req: DaemonRequest, ref: string): Promise<void> {
  const c = findContainer(ctx, ref)
  const options: AttachOptions = {
    stdin: boolQuery(req, 'stdin'),
    stdout: boolQuery(req, 'stdout'),
    stderr: boolQuery(req, 'stderr'),
    logs: boolQuery(req, 'logs'),
    stream: boolQuery(req, 'stream'),
    detachKeys: detachKeys(req.query.get('detachKeys') ?? ''),
    halfCloseEndsStdin: ctx.flavor.halfCloseEndsStdin,
    misframedLogReplay: ctx.flavor.misframedLogReplay,
  }
  if (!options.logs && !options.stream) throw new ApiError(400, 'Bad parameters: you must choose at least one stream')
  // dockerode sends its options as a JSON body too (dockerd may read it as stdin, dockerode#742): a body
  // declared with Content-Length is part of the request here, never stdin. A chunked body is left to the stream.
  if ((req.head.contentLength ?? 0) > 0) {
    try {
      await req.json()
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 400 && error.message.startsWith('invalid JSON'))) throw error
    }
  }
  const {startError} = c.faults
  if (startError) throw new ApiError(startError.status, startError.message)
  const session = req.hijack({upgrade: req.head.upgrade, faults: c.faults, ...streamFormat(req, c.spec.tty)})
  ctx.events.emit('attach', {container: c.name, id: c.id})
  c.emit('attach')
  // Not awaited, like an exec session (api/exec.ts).
  const socket = session.socket
  streamAttach(c, session, options).catch(() => closeNow(socket))
}

/**
 * Streams the container's output to this client (after the replayed log with logs=1) until the main
 * process exits; an attach to a container that is not running waits for its next start. Stdin goes to
 * the main process; the client's half-close ends it only with StdinOnce (or in the podman flavor), else ends
 * this client's output. Resolves when the connection has closed.
 */
function streamAttach(container: Container, session: HijackedConnection, options: AttachOptions): Promise<void> {
  const {socket, output} = session
  const sub: Subscriber = {
    wants: (type) => (type === STDOUT ? options.stdout : options.stderr),
    write: (type, data) => output.write(type, data),
    onDrain: (callback) => output.wire.once('drain', callback),
    finish: () => output.finish(),
    buffered: () => output.buffered,
    // Podman's replay is misframed (api/podman-log-replay.ts); with a TTY it is raw bytes, as everywhere.
    ...(options.misframedLogReplay && output.multiplexed && {replayLog: (entries) => output.writeRaw(podmanLogReplay(entries))}),
  }
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  const detach = container.attach(sub, options.logs, options.stream)
  closed.then(detach)
  const endOutput = (): void => {
    detach()
    output.finish()
  }
  // The client's half-close: dockerd closes the container's stdin only with StdinOnce and no TTY; otherwise
  // it ends this client's output and the container runs on with its stdin open (moby container/stream/
  // attach.go). Podman closes the stdin and streams on.
  const closesStdin = options.halfCloseEndsStdin || (container.spec.stdinOnce && !container.spec.tty)
  const connectStdin = (proc: MockProcess): void => {
    const halfClosed = (): void => {
      if (!closesStdin) endOutput()
      else if (container.process === proc) proc.stdin.end()
    }
    let target: Writable = proc.stdin
    if (container.spec.tty) {
      target = detachFilter(proc.stdin, options.detachKeys, endOutput, false)
      target.once('finish', halfClosed)
    }
    pumpStdin(socket, session.leftover, session.clientEnded, target, () => {
      if (target === proc.stdin) halfClosed()
      else target.end()
    })
  }
  if (options.stdin && options.stream && container.spec.openStdin && !container.removed) {
    if (container.running && container.process) connectStdin(container.process)
    else {
      // Stdin (and its EOF) waits in the socket until the process exists; only this first start gets it.
      socket.pause()
      const forget = container.started.on((proc) => {
        forget()
        if (!socket.destroyed) connectStdin(proc)
      })
      closed.then(forget)
    }
  } else {
    discardInput(socket, session.clientEnded, () => {})
  }
  return closed
}
