// Attaching a client to a container's main process over a hijacked connection.
import type {Socket} from 'node:net'
import type {Writable} from 'node:stream'
import {STDOUT} from '../transport/stdcopy.js'
import type {Container, Subscriber} from './containers.js'
import type {MockProcess} from './runtime.js'
import {discardInput, type OutputStream, pumpStdin} from './hijacked.js'
import {detachFilter} from './stdin.js'

export interface AttachOptions {
  stdin: boolean
  stdout: boolean
  stderr: boolean
  logs: boolean
  stream: boolean
  detachKeys: string
  /** The client's half-close ends stdin even without StdinOnce (podman flavor). */
  halfCloseEndsStdin?: boolean
}

export interface AttachSession {
  socket: Socket
  leftover: Buffer
  clientEnded: boolean
  output: OutputStream
}

/**
 * Streams the container's output to this client (after the replayed log with logs=1) until the main
 * process exits; an attach to a container that is not running waits for its next start. Stdin goes to
 * the main process; the client's half-close ends it only with StdinOnce. Resolves when the connection has closed.
 */
export function runAttach(container: Container, session: AttachSession, options: AttachOptions): Promise<void> {
  const {socket, output} = session
  const sub: Subscriber = {
    wants: (type) => (type === STDOUT ? options.stdout : options.stderr),
    write: (type, data) => output.write(type, data),
    onDrain: (callback) => output.wire.once('drain', callback),
    finish: () => output.finish(),
    buffered: () => output.buffered,
  }
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  const detach = container.attach(sub, options.logs, options.stream)
  closed.then(detach)
  const connectStdin = (proc: MockProcess): void => {
    const stdinOnce = (): void => {
      if ((container.spec.stdinOnce || options.halfCloseEndsStdin) && container.process === proc) proc.stdin.end()
    }
    let target: Writable = proc.stdin
    if (container.spec.tty) {
      target = detachFilter(proc.stdin, options.detachKeys, () => {
        detach()
        output.finish()
      }, false)
      target.once('finish', stdinOnce)
    }
    pumpStdin(socket, session.leftover, session.clientEnded, target, () => {
      if (target === proc.stdin) stdinOnce()
      else target.end()
    })
  }
  if (options.stdin && options.stream && container.spec.openStdin && !container.removed) {
    if (container.running && container.process) connectStdin(container.process)
    else {
      // Stdin (and its EOF) waits in the socket until the process exists; only this first start gets it.
      socket.pause()
      const forget = container.onStarted((proc) => {
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
