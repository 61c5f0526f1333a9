// One request to the mock daemon and its response: the body read as JSON, the answer written (whole,
// chunked later, or as a hijacked stream). Handlers (api/) see only this and the engine.
import type {Socket} from 'node:net'
import {splitVersionPrefix} from '../../protocol/api-version.js'
import type {Faults} from '../faults.js'
import {API_VERSION} from '../version.js'
import {ApiError} from './api-error.js'
import {closeNow, endThenClose} from './close.js'
import {OutputStream, waitDrain} from './hijacked-output.js'
import type {RequestHead, SocketReader} from './request-reader.js'
import {COMMON_HEADERS, jsonBody, responseHead} from './response.js'

/** What a request needs of the server that read it. */
export interface RequestServer {
  readonly maxBodySize: number
  logRequest(method: string, path: string, status: number, durationMs: number): void
}

export interface HijackStart {
  upgrade: boolean
  contentType: string
  multiplexed: boolean
  faults: Faults
}

/** A hijacked connection, handed to the session that streams over it. */
export interface HijackedConnection {
  socket: Socket
  output: OutputStream
  /** Bytes the client sent past the request: the first bytes of stdin. */
  leftover: Buffer
  /** The client had already half-closed. */
  clientEnded: boolean
}

/** A response whose body is written as it comes (DaemonRequest.startChunked). */
export interface ChunkedResponse {
  /** One chunk; false when the connection's buffer is full (see drained) or it is gone. */
  write(body: Buffer): boolean
  /** The last chunk (with `body` before it, if given); later calls do nothing. */
  end(body?: Buffer): void
  /** Bytes written that the client has not taken yet. */
  readonly buffered: number
  /** Resolves when the buffer has room again, or the connection has closed. */
  drained(): Promise<void>
}

/** The request handler: answers through the request, or hijacks it. */
export type RequestHandler = (req: DaemonRequest) => Promise<void>

export class DaemonRequest {
  readonly started = process.hrtime.bigint()
  /** The API version from the /v1.NN prefix (the newest without one). */
  readonly version: string
  /** The path without the /v1.NN prefix. */
  readonly path: string
  status = 0
  hijacked = false
  reusable: boolean
  private bodyRead = false
  private responded = false
  /** The connection's HTTP reader; dropped at the hijack (the connection is a raw stream from there on). */
  private reader: SocketReader | undefined
  /** Set while run() waits: the hijack lets it return before the session ends. */
  private onHijack: (() => void) | undefined

  constructor(private readonly server: RequestServer, readonly socket: Socket, reader: SocketReader, readonly head: RequestHead) {
    this.reader = reader
    this.reusable = head.keepAlive
    const {version, path} = splitVersionPrefix(head.path)
    this.version = version ?? API_VERSION
    this.path = path
  }

  get method(): string {
    return this.head.method
  }

  get query(): URLSearchParams {
    return this.head.query
  }

  /**
   * Answers the request through `handler`. Resolves when the response is complete, or as soon as the
   * handler hijacks the connection: a streaming session then goes on without this call (and the serve
   * loop) waiting on it, which at thousands of sessions is memory (every suspended async frame holds its locals).
   */
  async run(handler: RequestHandler): Promise<void> {
    const handled = handler(this)
    await new Promise<void>((resolve) => {
      this.onHijack = resolve
      // After a hijack, a failure can only end the connection (fail() knows the head is out).
      handled.then(resolve, (error: unknown) => {
        this.fail(error)
        resolve()
      })
    })
    this.onHijack = undefined
    if (!this.hijacked) {
      this.log()
      if (this.reusable && !this.bodyRead && !this.socket.destroyed) {
        try {
          await this.input.readBody(this.head, this.server.maxBodySize)
        } catch {
          this.reusable = false
          closeNow(this.socket)
        }
      }
    }
  }

  private get input(): SocketReader {
    if (!this.reader) throw new ApiError(500, 'the connection was hijacked')
    return this.reader
  }

  private fail(error: unknown): void {
    if (this.responded) {
      closeNow(this.socket)
      return
    }
    let status = 500
    const message = String((error as Error)?.message ?? error)
    if (error instanceof ApiError) status = error.status
    if (status === 413) this.reusable = false
    this.sendJson(status, {message})
  }

  private log(): void {
    const ms = Number(process.hrtime.bigint() - this.started) / 1e6
    this.server.logRequest(this.head.method, this.head.target, this.status, ms)
  }

  /** The request body parsed as JSON; undefined when empty. Bad JSON is a 400. */
  async json<T>(): Promise<T | undefined> {
    const limit = this.server.maxBodySize
    if ((this.head.contentLength ?? 0) > limit) {
      this.reusable = false
      throw new ApiError(413, `request body too large (limit ${limit} bytes)`)
    }
    this.bodyRead = true
    // curl waits (1 s) for this before sending a body over 1 KiB.
    if (this.head.headers.expect?.toLowerCase() === '100-continue') this.socket.write('HTTP/1.1 100 Continue\r\n\r\n')
    let raw: Buffer
    try {
      raw = await this.input.readBody(this.head, limit)
    } catch (error) {
      this.reusable = false
      throw error
    }
    if (raw.length === 0) return undefined
    try {
      return JSON.parse(raw.toString('utf8')) as T
    } catch (error) {
      throw new ApiError(400, `invalid JSON: ${(error as Error).message}`)
    }
  }

  private responseHead(status: number, headers: Record<string, string | number>): Buffer {
    this.status = status
    this.responded = true
    return responseHead(status, {...COMMON_HEADERS, ...headers, ...(this.reusable ? {} : {Connection: 'close'})})
  }

  /** Writes the whole answer; on a connection that is not reused, ends it after. */
  private write(payload: Buffer): void {
    if (this.reusable) this.socket.write(payload)
    else this.end(payload)
  }

  /** Our last bytes on this connection (none past them): stop reading HTTP, then FIN. */
  private end(last?: Buffer): void {
    this.reader?.detach()
    endThenClose(this.socket, last)
  }

  send(status: number, body?: Buffer, contentType = 'text/plain; charset=utf-8', extra: Record<string, string> = {}): void {
    const headers: Record<string, string | number> = {...extra}
    if (body) {
      headers['Content-Type'] = contentType
      headers['Content-Length'] = body.length
    } else if (status !== 204 && status !== 304) headers['Content-Length'] = 0
    const head = this.responseHead(status, headers)
    this.write(body && this.head.method !== 'HEAD' && status !== 204 && status !== 304 ? Buffer.concat([head, body]) : head)
  }

  sendJson(status: number, value: unknown): void {
    this.send(status, jsonBody(value), 'application/json')
  }

  /**
   * Headers now, body later (POST /wait), or a body that streams (logs, events, stats, pull, archive):
   * chunked so the connection can be reused after. end() is the response's one end: the last chunk, then
   * (on a connection not reused) the connection's orderly end.
   */
  startChunked(status: number, contentType: string, extra: Record<string, string> = {}): ChunkedResponse {
    const socket = this.socket
    socket.write(this.responseHead(status, {...extra, 'Content-Type': contentType, 'Transfer-Encoding': 'chunked'}))
    const write = (body: Buffer): boolean => {
      if (socket.destroyed) return false
      if (body.length === 0) return true
      socket.write(`${body.length.toString(16)}\r\n`)
      socket.write(body)
      return socket.write('\r\n')
    }
    let ended = false
    return {
      write,
      end: (body?: Buffer) => {
        if (ended || socket.destroyed) return
        ended = true
        if (body) write(body)
        if (this.reusable) socket.write('0\r\n\r\n')
        else this.end(Buffer.from('0\r\n\r\n'))
      },
      get buffered() {
        return socket.writableLength
      },
      drained: () => new Promise<void>((resolve) => {
        if (socket.destroyed || !socket.writableNeedDrain) resolve()
        else waitDrain(socket, resolve)
      }),
    }
  }

  /** Resolves when the client has gone (its connection closed); `off()` drops the listener. */
  clientGone(): {gone: Promise<void>; off: () => void} {
    const socket = this.socket
    let onClose = (): void => {}
    const gone = new Promise<void>((resolve) => {
      onClose = () => resolve()
      if (socket.destroyed) resolve()
      else socket.once('close', onClose)
    })
    return {gone, off: () => socket.off('close', onClose)}
  }

  /**
   * Takes the connection over: writes the 101 (or 200 without Upgrade) head through the output stream,
   * and returns the bytes already read past the request, which are the first bytes of stdin.
   */
  hijack(start: HijackStart): HijackedConnection {
    this.hijacked = true
    this.responded = true
    const upgrade = start.upgrade && !start.faults.noUpgrade
    // dockerd says raw-stream on a non-upgraded hijack whatever the framing is.
    const headers: Record<string, string> = upgrade
      ? {'Content-Type': start.contentType, Connection: 'Upgrade', Upgrade: 'tcp'}
      : {'Content-Type': 'application/vnd.docker.raw-stream'}
    this.status = upgrade ? 101 : 200
    const head = responseHead(this.status, {...COMMON_HEADERS, ...headers})
    const {leftover, ended} = this.input.detach()
    this.reader = undefined
    const socket = this.socket
    socket.setNoDelay(true)
    socket.setTimeout(0)
    this.log() // at the head, like every other request, so the log reads in order
    const output = new OutputStream(socket, head, start.multiplexed, start.faults)
    const onHijack = this.onHijack
    this.onHijack = undefined
    onHijack?.()
    return {socket, output, leftover, clientEnded: ended}
  }
}
