// -i in fan-out mode: our stdin, read once, copied to every session. A chunk is taken from the source
// only when every session has room for the previous one, so the slowest session sets the pace and
// memory stays at a few buffers per session.
import {PassThrough, Writable} from 'node:stream'

const SESSION_BUFFER = 64 * 1024

export class StdinFanout extends Writable {
  private readonly inputs = new Set<PassThrough>()
  /** Inputs that have not drained since the last chunk. */
  private readonly full = new Set<PassThrough>()
  private resume: (() => void) | undefined

  constructor() {
    super({highWaterMark: SESSION_BUFFER})
  }

  /** A new session's stdin. Add every session before the source starts flowing. */
  add(): PassThrough {
    const input = new PassThrough({highWaterMark: SESSION_BUFFER})
    this.inputs.add(input)
    input.on('drain', () => this.drained(input))
    return input
  }

  /** The session ended (or never started): it no longer holds the others back. */
  remove(input: PassThrough): void {
    if (!this.inputs.delete(input)) return
    input.destroy()
    this.drained(input)
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    // A write can remove its input before it returns: a socket write that fails at once (EPIPE) calls
    // back synchronously, and the session stops its input. A removed input is never waited for.
    for (const input of this.inputs) if (!input.write(chunk) && this.inputs.has(input)) this.full.add(input)
    if (this.full.size === 0) callback()
    else this.resume = () => callback()
  }

  /** EOF: every session's stdin ends, so each connection is half-closed. */
  override _final(callback: (error?: Error | null) => void): void {
    for (const input of this.inputs) input.end()
    callback()
  }

  private drained(input: PassThrough): void {
    this.full.delete(input)
    if (this.full.size > 0 || !this.resume) return
    const resume = this.resume
    this.resume = undefined
    resume()
  }
}
