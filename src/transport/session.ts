import type {Socket} from 'node:net'
import {type Readable, Writable} from 'node:stream'
import {DetachKeyFilter} from '../protocol/detach-keys.js'
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
  /** Once its signal fires, the session ends as soon as the daemon has gone quiet (see QuietEnd). */
  endWhenQuiet?: QuietEnd
  /** Told the size of every chunk read from the socket or from stdin (the CLI paces its GC with it). */
  onBytes?: (bytes: number) => void
  /**
   * Called once when the session stops reading stdin before its end: a stdin write failed, the output
   * ended, or the session ended. A stdin shared with others (fan-out) must stop waiting for this one.
   */
  onInputStopped?: () => void
}

/**
 * Ending a session whose command was stopped but whose stream may linger (--timeout). Every `everyMs`
 * it ends if nothing came from the daemon and nothing waits for our stdout. Time spent waiting for a
 * slow stdout is not counted, so nothing the daemon sent is dropped; a daemon that keeps talking while
 * our stdout keeps up is cut after `talkMs` (a stray process may hold the stream open forever).
 */
export interface QuietEnd {
  signal: AbortSignal
  everyMs: number
  talkMs: number
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

type WriteCallback = (error?: Error | null) => void

/**
 * Node destroys a socket whose write fails (EPIPE, ECONNRESET), and closing it drops whatever the
 * daemon sent that still sits unread in the kernel's receive buffer. A daemon that stops reading our
 * stdin may well have written output first, so a failed write must only stop our input: the error is
 * taken out of the socket's write path here (later writes are dropped), and reading goes on until the
 * daemon's EOF or a read error.
 */
export function keepReadingAfterWriteError(socket: Socket, onWriteError: (error: NodeJS.ErrnoException) => void): void {
  let failed = false
  const guard = (callback: WriteCallback): WriteCallback => (error) => {
    if (error && !failed) {
      failed = true
      onWriteError(error)
    }
    callback()
  }
  const write = socket._write
  socket._write = function (chunk: unknown, encoding: BufferEncoding, callback: WriteCallback): void {
    if (failed) callback()
    else write.call(this, chunk, encoding, guard(callback))
  }
  const writev = socket._writev
  if (writev) {
    socket._writev = function (chunks: Array<{chunk: unknown; encoding: BufferEncoding}>, callback: WriteCallback): void {
      if (failed) callback()
      else writev.call(this, chunks, guard(callback))
    }
  }
}

/**
 * Streams a hijacked connection: stdin to the socket, the socket to stdout/stderr, until output ends.
 * Output EOF ends the session at once; stdin is never waited for (moby#12546). A failed stdin write
 * stops the input only; every byte the daemon sent is still delivered, and a stream cut inside a frame
 * or by a read error is reported.
 */
export function runSession(options: SessionOptions): Promise<SessionResult> {
  const {socket, stdin, stdout, stderr} = options
  return new Promise((resolve, reject) => {
    let settled = false
    let input: Readable | undefined
    let inputFailed = false
    let readError: StreamError | undefined
    let inputStopped = false
    let quietTimer: NodeJS.Timeout | undefined
    const stopInput = (): void => {
      if (!stdin || inputStopped) return
      inputStopped = true
      input?.unpipe(socket)
      if (input !== stdin) stdin.unpipe()
      stdin.pause()
      options.onInputStopped?.()
    }
    const onOutputError = (error: NodeJS.ErrnoException): void => {
      if (error.code === 'EPIPE') finish(undefined, {detached: false, outputClosed: true})
      else finish(new StreamError(`cannot write output: ${error.message}`))
    }
    const finish = (error: Error | undefined, result: SessionResult = {detached: false, outputClosed: false}): void => {
      if (settled) return
      settled = true
      clearTimeout(quietTimer)
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
    // A frame cut short says more than the read error that cut it.
    sink.on('error', (error) => finish(error))
    sink.on('finish', () => finish(readError))
    keepReadingAfterWriteError(socket, () => {
      // The daemon stopped reading our stdin: Docker ignores that, and so do we, but its output goes on.
      inputFailed = true
      stopInput()
    })
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // A read error: Node destroys the socket; 'close' below hands on what was read before it.
      readError ??= describeSocketError(error)
    })
    socket.on('close', () => {
      if (settled) return
      // What Node read before the socket closed but the sink had no room for yet is still delivered.
      socket.unpipe(sink)
      for (let chunk: Buffer | null; (chunk = socket.read() as Buffer | null) !== null;) sink.write(chunk)
      sink.end()
    })
    options.signal?.addEventListener('abort', () => finish(undefined), {once: true})
    const quiet = options.endWhenQuiet
    if (quiet) {
      quiet.signal.addEventListener('abort', () => {
        // Bytes read, and whether the socket was held back for our stdout (pipe pauses it), since the last check.
        let read = 0
        let heldBack = false
        let talked = 0
        socket.on('data', (chunk: Buffer) => {
          read += chunk.length
        })
        socket.on('pause', () => {
          heldBack = true
        })
        const waitingOnStdout = (): boolean => heldBack || socket.isPaused() || socket.readableLength > 0 || sink.writableLength > 0
        const check = (): void => {
          if (settled) return
          if (!waitingOnStdout()) {
            if (read === 0) return finish(undefined)
            talked += quiet.everyMs
            if (talked >= quiet.talkMs) return finish(undefined)
          }
          read = 0
          heldBack = false
          quietTimer = setTimeout(check, quiet.everyMs)
        }
        quietTimer = setTimeout(check, quiet.everyMs)
      }, {once: true})
    }
    // Output EOF: stop feeding stdin so nothing is written to a socket that is closing.
    socket.on('end', stopInput)
    if (options.onBytes) {
      const onBytes = options.onBytes
      socket.on('data', (chunk: Buffer) => onBytes(chunk.length))
      stdin?.on('data', (chunk: Buffer) => onBytes(chunk.length))
    }
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
      if (options.halfClose && !settled && !inputFailed && !socket.writableEnded) socket.end()
    }
    input.on('end', inputDone)
    // A stdin that fails to read counts as ended: the output must still be delivered.
    stdin.on('error', inputDone)
    input.pipe(socket, {end: false})
  })
}
