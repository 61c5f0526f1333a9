import type {Socket} from 'node:net'
import {type Readable, Writable} from 'node:stream'
import {DetachKeyFilter} from '../protocol/detach-keys.js'
import {GcPacer} from './gc-pacer.js'
import {StreamError} from './errors.js'
import {StdcopyDemuxer} from '../protocol/stdcopy.js'

export interface SessionOptions {
  socket: Socket
  /** Raw output (TTY) or stdcopy frames: decided by the Tty setting, never by Content-Type (1.41 mislabels). */
  tty: boolean
  /** Undefined when no stdin is attached. */
  stdin?: Readable
  stdout: Writable
  stderr: Writable
  /**
   * Half-close the connection when stdin ends, or at once without stdin. Right for exec; for attach only
   * when the container has StdinOnce, since dockerd otherwise ends the output stream (moby#38457).
   */
  halfClose: boolean
  /** Detach sequence, honoured only with a TTY (as the Docker CLI does). */
  detachKeys?: readonly number[]
  /** Ends the session as if the output had ended (attach: the container exited but its stream lingers). */
  signal?: AbortSignal
}

export interface SessionResult {
  /** The user typed the detach sequence. */
  detached: boolean
  /** Our own stdout went away (EPIPE): the reader stopped listening, which is not the daemon's fault. */
  outputClosed: boolean
}

/** Copies raw (TTY) output to a destination, waiting for 'drain' so memory stays bounded. */
class Forward extends Writable {
  constructor(private readonly target: Writable) {
    super({highWaterMark: 64 * 1024})
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.target.write(chunk)) callback()
    else this.target.once('drain', () => callback())
  }
}

function describeSocketError(error: NodeJS.ErrnoException): StreamError {
  const reason = error.code === 'ECONNRESET' ? 'the connection to the daemon was reset' : `the connection to the daemon failed: ${error.message}`
  return new StreamError(`${reason} before the output ended (output may be incomplete)`)
}

/**
 * Streams a hijacked connection: stdin to the socket, the socket to stdout/stderr, until output ends.
 * Output EOF ends the session at once; stdin is never waited for (moby#12546).
 */
export function runSession(options: SessionOptions): Promise<SessionResult> {
  const {socket, stdin, stdout, stderr} = options
  return new Promise((resolve, reject) => {
    let settled = false
    let input: Readable | undefined
    const stopInput = (): void => {
      if (!stdin) return
      input?.unpipe(socket)
      if (input !== stdin) stdin.unpipe()
      stdin.pause()
    }
    const onOutputError = (error: NodeJS.ErrnoException): void => {
      if (error.code === 'EPIPE') finish(undefined, {detached: false, outputClosed: true})
      else finish(new StreamError(`cannot write output: ${error.message}`))
    }
    const finish = (error: Error | undefined, result: SessionResult = {detached: false, outputClosed: false}): void => {
      if (settled) return
      settled = true
      stopInput()
      stdout.off('error', onOutputError)
      stderr.off('error', onOutputError)
      socket.destroy()
      if (error) reject(error)
      else resolve(result)
    }

    // Output: the socket drives the sink; 'finish' means every byte up to the daemon's EOF was handed on.
    const sink = options.tty ? new Forward(stdout) : new StdcopyDemuxer({stdout, stderr})
    stdout.on('error', onOutputError)
    stderr.on('error', onOutputError)
    sink.on('error', (error) => finish(error))
    sink.on('finish', () => finish(undefined))
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.syscall !== 'write') {
        finish(describeSocketError(error))
        return
      }
      // The daemon stopped reading our stdin (EPIPE): Docker ignores that. Node has destroyed the
      // socket, so what arrived is all there is: end the sink, which reports a frame cut short.
      stopInput()
      sink.end()
    })
    options.signal?.addEventListener('abort', () => finish(undefined), {once: true})
    // Output EOF: stop feeding stdin so nothing is written to a socket that is closing.
    socket.on('end', stopInput)
    const pacer = new GcPacer()
    socket.on('data', (chunk: Buffer) => pacer.account(chunk.length))
    socket.pipe(sink)

    // Input.
    if (!stdin) {
      if (options.halfClose) socket.end()
      return
    }
    input = stdin
    if (options.tty && options.detachKeys && options.detachKeys.length > 0) {
      const filter = new DetachKeyFilter(options.detachKeys)
      filter.on('detach', () => finish(undefined, {detached: true, outputClosed: false}))
      input = stdin.pipe(filter)
    }
    const inputDone = (): void => {
      if (options.halfClose && !settled && !socket.writableEnded) socket.end()
    }
    input.on('end', inputDone)
    // A stdin that fails to read counts as ended: the output must still be delivered.
    stdin.on('error', inputDone)
    stdin.on('data', (chunk: Buffer) => pacer.account(chunk.length))
    input.pipe(socket, {end: false})
  })
}
