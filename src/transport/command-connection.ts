// A connection made of a child process's stdin and stdout, as docker/cli's commandconn: the way
// `ssh ... docker system dial-stdio` carries HTTP. Half-close closes the child's stdin; a child that
// fails reports its own stderr.
import type {ChildProcess} from 'node:child_process'
import type {Socket} from 'node:net'
import {Duplex} from 'node:stream'
import {SshError} from './errors.js'

/** What is kept of a child's stderr for the error message: its last bytes (a bounded buffer). */
const STDERR_TAIL = 4096
/** The longest preamble line waited for; past it the bytes are the stream's. */
const PREAMBLE_MAX = 4096

export class CommandConnection extends Duplex {
  private child: ChildProcess | undefined
  /** A write that came before the child was started. */
  private waiting: (() => void) | undefined
  private refed = true
  private stderr = ''
  private received = 0

  /** Bytes held back while a preamble may still be arriving. */
  private head: Buffer | undefined

  /**
   * `start` runs once `after` settles (an ssh mux client must wait until its master is up); `describe`
   * names the command in error messages. `preamble`: the command may print one line starting with
   * `marker` before its stream; the line is handed to `onLine` (undefined when there was none), never
   * to the reader.
   */
  constructor(
    private readonly describe: string,
    after: Promise<unknown>,
    start: () => ChildProcess,
    private preamble?: {marker: string; onLine: (line: string | undefined) => void},
  ) {
    super({allowHalfOpen: true})
    const go = (): void => {
      if (!this.destroyed) this.adopt(start())
    }
    after.then(go, go)
  }

  /** Bytes received so far: a failure before any means the connection never got going. */
  get bytesReceived(): number {
    return this.received
  }

  private adopt(child: ChildProcess): void {
    this.child = child
    if (!this.refed) this.applyRef(false)
    child.stdout!.on('data', (data: Buffer) => {
      const chunk = this.preamble ? this.takePreamble(data) : data
      if (chunk.length === 0) return
      this.received += chunk.length
      if (!this.push(chunk)) child.stdout!.pause()
    })
    child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-STDERR_TAIL)
    })
    child.stdin!.on('error', () => {}) // the child exiting is reported once, from 'close'
    child.on('error', (error: NodeJS.ErrnoException) => {
      const why = error.code === 'ENOENT' ? `${this.describe.split(' ')[0]} is not installed (not found in PATH)` : error.message
      this.destroy(new SshError(`cannot run ${this.describe}: ${why}`))
    })
    // Output ends when the child has exited and its pipes are closed: only then is its status known.
    child.on('close', (code, signal) => {
      this.child = undefined
      if (this.preamble) {
        // It ended inside what looked like a preamble: those bytes were output after all.
        this.endPreamble(undefined)
        const held = this.head
        this.head = undefined
        if (held && !this.destroyed) {
          this.received += held.length
          this.push(held)
        }
      }
      if (this.destroyed) return
      if (code === 0 || (signal && this.received > 0)) {
        this.push(null)
        return
      }
      const stderr = this.stderr.trim()
      const status = code === null ? `was killed by ${signal}` : `exited with status ${code}`
      this.destroy(Object.assign(new SshError(`${this.describe} ${status}${stderr ? `: ${stderr}` : ''}`), {code: 'ECHILDFAILED'}))
    })
    this.waiting?.()
    this.waiting = undefined
  }

  /** What of `data` belongs to the stream once a leading preamble line (if any) is taken off. */
  private takePreamble(data: Buffer): Buffer {
    const {marker} = this.preamble!
    const head = this.head ? Buffer.concat([this.head, data]) : data
    this.head = undefined
    const prefix = head.subarray(0, marker.length).toString('latin1')
    if (!marker.startsWith(prefix)) {
      this.endPreamble(undefined)
      return head
    }
    const newline = head.indexOf(0x0a)
    if (prefix.length < marker.length || newline === -1) {
      // A line is one short write in practice; waiting for the rest is bounded all the same.
      if (head.length > PREAMBLE_MAX) {
        this.endPreamble(undefined)
        return head
      }
      this.head = head
      return Buffer.alloc(0)
    }
    this.endPreamble(head.subarray(marker.length, newline).toString('utf8').trim())
    return head.subarray(newline + 1)
  }

  private endPreamble(line: string | undefined): void {
    const preamble = this.preamble
    this.preamble = undefined
    preamble?.onLine(line)
  }

  override _read(): void {
    this.child?.stdout?.resume()
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const child = this.child
    if (!child) {
      this.waiting = () => this._write(chunk, _encoding, callback)
      return
    }
    if (child.stdin!.write(chunk)) callback()
    else child.stdin!.once('drain', () => callback())
  }

  /** Half-close: the child's stdin ends (ssh then sends EOF to the remote side). */
  override _final(callback: (error?: Error | null) => void): void {
    if (!this.child) {
      this.waiting = () => this._final(callback)
      return
    }
    this.child.stdin!.end()
    callback()
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const child = this.child
    this.child = undefined
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    callback(error)
  }

  // The net.Socket calls the transport makes on any connection: timeouts and Nagle mean nothing on pipes.
  setTimeout(): this {
    return this
  }

  setNoDelay(): this {
    return this
  }

  setKeepAlive(): this {
    return this
  }

  ref(): this {
    this.refed = true
    this.applyRef(true)
    return this
  }

  unref(): this {
    this.refed = false
    this.applyRef(false)
    return this
  }

  private applyRef(on: boolean): void {
    const child = this.child
    if (!child) return
    for (const handle of [child, ...child.stdio] as Array<{ref?(): void; unref?(): void} | null>) {
      if (on) handle?.ref?.()
      else handle?.unref?.()
    }
  }

  /** The transport handles every connection as a net.Socket; this one supports the calls it makes. */
  asSocket(): Socket {
    return this as unknown as Socket
  }
}
