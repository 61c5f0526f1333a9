// The hijacked side of a connection: the response head, the output (framed or raw) and stdin.
// Faults that shape bytes on the wire live in WireWriter; faults about the end of the stream in finish().
//
// Memory: the mock holds thousands of concurrent sessions (bench/mock-scale.js), so what a session keeps
// while it is open counts: output goes straight to the socket unless a wire fault needs WireWriter,
// listeners are shared functions or plain `on` (a `once` costs a wrapper, a bound function and a state
// object), and a finished session waits for the client's close in one shared sweep (close.ts).
import {EventEmitter} from 'node:events'
import type {Socket} from 'node:net'
import {Writable} from 'node:stream'
import {frameHeader, STDERR, type STDOUT, SYSTEMERR, writeFrame} from '../../protocol/stdcopy.js'
import type {Faults} from '../faults.js'
import {closeNow, ignore, linger} from './close.js'

type OutputType = typeof STDOUT | typeof STDERR

/**
 * Fault lostOutput: what podman 4.3 writes (a stderr frame) when its stdin copy to conmon fails as the
 * exec ends, ending the stream before the output still on its way (the fd number varies there).
 */
export const PODMAN_RESET_ERROR = 'Error: read unixpacket @->/proc/self/fd/14/attach: read: connection reset by peer\n'

/** Whether `faults` shape the output bytes on the wire (then they go through WireWriter). */
function hasWireFaults(faults: Faults): boolean {
  return Boolean(faults.coalesceHead || faults.stallMs || faults.splitWrites !== undefined || faults.closeAfterBytes !== undefined)
}

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
    if (faults.splitWrites !== undefined && pieces.length > 0) {
      this.sendPieces(pieces, 0, callback)
      return
    }
    this.afterSend(pieces.length === 0 || socket.write(pieces[0]), callback)
  }

  /**
   * splitWrites: one piece per write, the next only once the previous has left and the event loop has
   * turned (queued writes would go out merged in one writev, and a reader would see one chunk).
   */
  private sendPieces(pieces: Buffer[], at: number, callback: (error?: Error | null) => void): void {
    const {socket} = this
    if (socket.destroyed) {
      callback()
      return
    }
    socket.write(pieces[at], (error) => {
      if (error) callback()
      else if (at + 1 < pieces.length) setImmediate(() => this.sendPieces(pieces, at + 1, callback))
      else setImmediate(() => this.afterSend(true, callback))
    })
  }

  /** After a send: cut the connection (closeAfterBytes), or wait for room when the socket is full. */
  private afterSend(ok: boolean, callback: (error?: Error | null) => void): void {
    const {socket} = this
    if (this.cut) {
      // Let the bytes leave, then drop the connection without a FIN handshake.
      socket.once('drain', () => closeNow(socket))
      if (ok) setImmediate(() => closeNow(socket))
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

/** Calls back once the socket drains or closes, whichever comes first (the one drain wait of the server). */
export function waitDrain(socket: Socket, callback: () => void): void {
  const done = (): void => {
    socket.off('drain', done)
    socket.off('close', done)
    callback()
  }
  socket.on('drain', done)
  socket.on('close', done)
}

/**
 * The output side of one hijacked session: stdcopy frames or raw bytes, and the end-of-stream faults.
 * Without wire faults the bytes go straight to the socket (a frame's header and payload in one writev);
 * backpressure is the socket's own: write() returns false and `wire` emits 'drain' when the socket has
 * drained, or has closed (writes to a closed connection are dropped, so a paused producer can finish).
 */
export class OutputStream {
  /** Only with wire faults: the Writable that applies them. */
  private readonly writer: WireWriter | undefined
  /** Dropped at finish(): whatever still holds this stream (a process's listeners) does not hold the connection. */
  private socket: Socket | undefined
  private held: {type: OutputType; data: Buffer} | undefined
  /** Fault lostOutput: the newest output, at most that many bytes, which finish() drops. */
  private tail: {type: OutputType; data: Buffer}[] | undefined
  private tailBytes = 0
  private finished = false
  private draining: (() => void) | undefined
  /** Made on first use: only a producer that met backpressure waits for 'drain'. */
  private events: EventEmitter | undefined

  constructor(socket: Socket, head: Buffer, readonly multiplexed: boolean, private readonly faults: Faults) {
    this.socket = socket
    if (hasWireFaults(faults)) {
      const writer = new WireWriter(socket, faults, head)
      writer.on('error', () => closeNow(socket))
      writer.once('finish', () => linger(socket))
      this.writer = writer
    } else {
      this.writer = undefined
      socket.write(head)
    }
  }

  /** What to wait on for 'drain' after write() returned false. */
  get wire(): EventEmitter {
    return this.writer ?? (this.events ??= new EventEmitter())
  }

  /** Output bytes accepted but not yet handed to the kernel. */
  get buffered(): number {
    return (this.writer?.writableLength ?? 0) + (this.socket?.writableLength ?? 0)
  }

  /** Writes one chunk; false means wait for `wire` 'drain'. */
  write(type: OutputType, data: Buffer): boolean {
    if (this.finished || data.length === 0) return true
    if (this.faults.truncateLastFrame) {
      // Hold each chunk back until the next one shows it was not the last.
      const previous = this.held
      this.held = {type, data}
      return previous ? this.send(previous.type, previous.data) : true
    }
    if (this.faults.lostOutput !== undefined) return this.holdTail(type, data, this.faults.lostOutput)
    return this.send(type, data)
  }

  /** Keeps the newest `limit` bytes back and sends what falls out of that window, in order. */
  private holdTail(type: OutputType, data: Buffer, limit: number): boolean {
    const tail = (this.tail ??= [])
    tail.push({type, data})
    this.tailBytes += data.length
    let ok = true
    while (this.tailBytes > limit) {
      const first = tail[0]
      const excess = this.tailBytes - limit
      if (first.data.length <= excess) {
        tail.shift()
        this.tailBytes -= first.data.length
        ok = this.send(first.type, first.data) && ok
      } else {
        tail[0] = {type: first.type, data: first.data.subarray(excess)}
        this.tailBytes -= excess
        ok = this.send(first.type, first.data.subarray(0, excess)) && ok
      }
    }
    return ok
  }

  /**
   * Writes bytes as they are, outside any frame (a flavor reproducing a daemon's broken framing); false
   * means wait for `wire` 'drain'. Only before the first write(): a chunk held by truncateLastFrame would
   * come out after these bytes.
   */
  writeRaw(data: Buffer): boolean {
    if (this.finished || data.length === 0) return true
    return this.sendBytes(data)
  }

  private send(type: OutputType | typeof SYSTEMERR, data: Buffer): boolean {
    if (!this.multiplexed) return this.sendBytes(data)
    const {writer, socket} = this
    if (writer) return writeFrame(writer, type, data)
    if (!socket || socket.destroyed || data.length === 0) return true
    const ok = writeFrame(socket, type, data)
    if (!ok) this.waitDrain()
    return ok
  }

  private sendBytes(data: Buffer): boolean {
    const {writer, socket} = this
    if (writer) return writer.write(data)
    if (!socket || socket.destroyed || data.length === 0) return true
    const ok = socket.write(data)
    if (!ok) this.waitDrain()
    return ok
  }

  private waitDrain(): void {
    const socket = this.socket
    if (this.draining || !socket) return
    const done = (): void => {
      socket.off('drain', done)
      socket.off('close', done)
      this.draining = undefined
      this.events?.emit('drain')
    }
    this.draining = done
    socket.on('drain', done)
    socket.on('close', done)
  }

  /** Ends the stream: the truncated last frame, podman's reset error and the systemerr frame when those faults are set. */
  finish(): void {
    if (this.finished) return
    this.finished = true
    const {writer, socket} = this
    const held = this.held
    this.held = undefined
    const out = writer ?? (socket?.destroyed === false ? socket : undefined)
    if (held && out) {
      const cut = Math.min(4, held.data.length)
      if (this.multiplexed) {
        out.cork()
        out.write(frameHeader(held.type, held.data.length))
        if (held.data.length > cut) out.write(held.data.subarray(0, held.data.length - cut))
        out.uncork()
      } else if (held.data.length > cut) out.write(held.data.subarray(0, held.data.length - cut))
    }
    if (this.faults.lostOutput !== undefined) {
      this.tail = undefined
      this.send(STDERR, Buffer.from(PODMAN_RESET_ERROR))
    }
    if (this.faults.systemError !== undefined) this.send(SYSTEMERR, Buffer.from(this.faults.systemError))
    if (writer) writer.end()
    else if (socket && !socket.destroyed) {
      socket.end()
      linger(socket)
    }
    // A producer still waiting for room goes on (its writes are dropped from here on).
    if (this.draining) this.draining()
    this.socket = undefined
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
  socket.on('end', onEnd) // 'end' comes once: no once() wrapper
  if (!waiting) socket.resume()
}

/** Reads and discards what the client sends (no stdin attached) but still notices its half-close. */
export function discardInput(socket: Socket, alreadyEnded: boolean, onEnd: () => void): void {
  if (alreadyEnded) {
    onEnd()
    return
  }
  socket.on('data', ignore)
  socket.on('end', onEnd)
  socket.resume()
}
