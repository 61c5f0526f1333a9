// The hijacked side of a connection: the response head, the output (framed or raw) and stdin.
// Faults that shape bytes on the wire live in WireWriter; faults about the end of the stream in finish().
import type {Socket} from 'node:net'
import {type Readable, Writable} from 'node:stream'
import {frameHeader, STDERR, STDOUT, SYSTEMERR, writeFrame} from '../transport/stdcopy.js'
import type {Faults} from './faults.js'

export type OutputType = typeof STDOUT | typeof STDERR

/** How long a finished session waits for the client to close its side. */
const LINGER_MS = 30_000

/**
 * Writes output bytes to the socket and applies the wire faults: coalesceHead (the head waits for
 * the first output), stallMs, splitWrites and closeAfterBytes. Backpressure passes through: a write
 * completes only once the socket has taken it.
 */
export class WireWriter extends Writable {
  private head: Buffer | undefined
  private stall: Promise<void> | undefined
  private sent = 0
  private cut = false

  constructor(private readonly socket: Socket, private readonly faults: Faults, head: Buffer) {
    super({highWaterMark: 64 * 1024})
    if (faults.coalesceHead) this.head = head
    else socket.write(head)
    if (faults.stallMs) {
      const ms = faults.stallMs
      this.stall = new Promise((resolve) => setTimeout(resolve, ms).unref())
    }
  }

  /** True once closeAfterBytes has cut the connection. */
  get wasCut(): boolean {
    return this.cut
  }

  override _writev(chunks: {chunk: Buffer}[], callback: (error?: Error | null) => void): void {
    // A corked frame (header + payload) arrives here as one batch: keep it one output write.
    this.send(chunks.length === 1 ? chunks[0].chunk : Buffer.concat(chunks.map((c) => c.chunk)), callback)
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.send(chunk, callback)
  }

  private send(data: Buffer, callback: (error?: Error | null) => void): void {
    if (this.stall) {
      const stall = this.stall
      this.stall = undefined
      stall.then(() => this.send(data, callback), callback)
      return
    }
    const {socket, faults} = this
    if (this.cut || socket.destroyed) {
      callback()
      return
    }
    let out = data
    if (faults.closeAfterBytes !== undefined && this.sent + out.length >= faults.closeAfterBytes) {
      out = out.subarray(0, faults.closeAfterBytes - this.sent)
      this.cut = true
    }
    this.sent += out.length
    const pieces: Buffer[] = []
    const size = faults.splitWrites ?? out.length
    for (let at = 0; at < out.length; at += size) pieces.push(out.subarray(at, at + size))
    if (this.head) {
      pieces[0] = pieces.length > 0 ? Buffer.concat([this.head, pieces[0]]) : this.head
      this.head = undefined
    }
    let ok = true
    for (const piece of pieces) ok = socket.write(piece)
    if (this.cut) {
      // Let the bytes leave, then drop the connection without a FIN handshake.
      socket.once('drain', () => socket.destroy())
      if (ok) setImmediate(() => socket.destroy())
      callback()
      return
    }
    if (ok) callback()
    else waitDrain(socket, callback)
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.head && !this.socket.destroyed) this.socket.write(this.head)
    this.head = undefined
    if (!this.cut && !this.socket.destroyed) this.socket.end()
    callback()
  }
}

function waitDrain(socket: Socket, callback: () => void): void {
  const done = (): void => {
    socket.off('drain', done)
    socket.off('close', done)
    callback()
  }
  socket.on('drain', done)
  socket.on('close', done)
}

/** The output side of one hijacked session: stdcopy frames or raw bytes, and the end-of-stream faults. */
export class OutputStream {
  readonly wire: WireWriter
  private held: {type: OutputType; data: Buffer} | undefined
  private finished = false

  constructor(socket: Socket, head: Buffer, readonly multiplexed: boolean, private readonly faults: Faults) {
    this.wire = new WireWriter(socket, faults, head)
    this.wire.on('error', () => socket.destroy())
    // After our FIN the client should close its side; one that never does is not kept forever.
    this.wire.once('finish', () => {
      const timer = setTimeout(() => socket.destroy(), LINGER_MS).unref()
      socket.once('close', () => clearTimeout(timer))
    })
  }

  /** Writes one chunk; false means wait for `wire` 'drain'. */
  write(type: OutputType, data: Buffer): boolean {
    if (this.finished || data.length === 0) return true
    if (this.faults.truncateLastFrame) {
      // Hold each chunk back until the next one shows it was not the last.
      const previous = this.held
      this.held = {type, data}
      return previous ? this.emit(previous.type, previous.data) : true
    }
    return this.emit(type, data)
  }

  private emit(type: OutputType | typeof SYSTEMERR, data: Buffer): boolean {
    if (this.multiplexed) return writeFrame(this.wire, type, data)
    return this.wire.write(data)
  }

  /** Ends the stream: the truncated last frame and the systemerr frame when those faults are set. */
  finish(): void {
    if (this.finished) return
    this.finished = true
    const held = this.held
    this.held = undefined
    if (held) {
      const cut = Math.min(4, held.data.length)
      if (this.multiplexed) {
        this.wire.cork()
        this.wire.write(frameHeader(held.type, held.data.length))
        if (held.data.length > cut) this.wire.write(held.data.subarray(0, held.data.length - cut))
        this.wire.uncork()
      } else if (held.data.length > cut) this.wire.write(held.data.subarray(0, held.data.length - cut))
    }
    if (this.faults.systemError !== undefined) this.emit(SYSTEMERR, Buffer.from(this.faults.systemError))
    this.wire.end()
  }
}

/**
 * Feeds the client's bytes (starting with those read past the request) into `stdin`, pausing the
 * socket while stdin is full. `onEnd` runs when the client half-closes.
 */
export function pumpStdin(socket: Socket, leftover: Buffer, alreadyEnded: boolean, stdin: Writable, onEnd: () => void): void {
  let waiting = false
  const write = (chunk: Buffer): void => {
    if (stdin.writableEnded || stdin.destroyed) return
    if (!stdin.write(chunk) && !waiting) {
      waiting = true
      socket.pause()
      stdin.once('drain', () => {
        waiting = false
        socket.resume()
      })
    }
  }
  if (leftover.length > 0) write(leftover)
  if (alreadyEnded) {
    onEnd()
    return
  }
  socket.on('data', write)
  socket.once('end', onEnd)
  if (!waiting) socket.resume()
}

/**
 * Resolves once a process's stdout and stderr have been read to the end, whatever its runtime says
 * about `exited`: the stream must not end before the last output bytes were written to it.
 */
export function outputsDone(...streams: Readable[]): Promise<void> {
  return Promise.all(streams.map((stream) => new Promise<void>((resolve) => {
    if (stream.readableEnded || stream.destroyed) {
      resolve()
      return
    }
    stream.once('end', resolve)
    stream.once('close', resolve)
    stream.once('error', () => resolve())
  }))).then(() => {})
}

/** Reads and discards what the client sends (no stdin attached) but still notices its half-close. */
export function discardInput(socket: Socket, alreadyEnded: boolean, onEnd: () => void): void {
  if (alreadyEnded) {
    onEnd()
    return
  }
  socket.on('data', () => {})
  socket.once('end', onEnd)
  socket.resume()
}
