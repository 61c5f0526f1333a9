// A small HTTP/1.1 layer on raw sockets. Node's http server cannot hand over a connection from a
// plain (non-Upgrade) request, and dockerd hijacks those too; owning the parser means every
// request, upgraded or not, can become a raw stream with the bytes after its body kept for stdin.
// The syntax is the shared codec's (protocol/http1.ts); this file adds the server's policy: limits, timeouts, statuses.
import type {Socket} from 'node:net'
import {HttpSyntaxError} from '../../protocol/errors.js'
import {ChunkedDecoder, contentLength, headEnd, headLines, type HeaderFields, parseHeaderFields} from '../../protocol/http1.js'
import {ApiError} from './api-error.js'

export interface RequestHead {
  method: string
  /** The request target as sent. */
  target: string
  /** Path without the query, still percent-encoded (parameters are decoded one by one). */
  path: string
  query: URLSearchParams
  /** Lower-case names; repeated headers joined with ", " (no prototype: a `Constructor` header is just that). */
  headers: HeaderFields
  httpVersion: string
  /** The client asked for `Connection: Upgrade` + `Upgrade: ...`. */
  upgrade: boolean
  keepAlive: boolean
  contentLength: number | undefined
  chunked: boolean
}

/**
 * Buffers a socket's incoming bytes and hands them out by need (a head, N bytes, a line).
 * The socket stays paused unless a read is waiting, so unread bytes stay in the kernel.
 */
export class SocketReader {
  private chunks: Buffer[] = []
  private length = 0
  private waiter: (() => void) | undefined
  private detached = false
  ended = false

  constructor(private readonly socket: Socket) {
    socket.pause()
    socket.on('data', this.onData)
    socket.on('end', this.onEnd)
    socket.on('close', this.onEnd)
  }

  private readonly onData = (chunk: Buffer): void => {
    this.chunks.push(chunk)
    this.length += chunk.length
    if (!this.waiter) this.socket.pause()
    this.wake()
  }

  private readonly onEnd = (): void => {
    this.ended = true
    this.wake()
  }

  private wake(): void {
    const waiter = this.waiter
    this.waiter = undefined
    waiter?.()
  }

  /** Waits for more bytes; false once the peer has finished sending. Past `deadline` (ms since epoch), a 408. */
  private more(deadline?: number): Promise<boolean> {
    if (this.ended) return Promise.resolve(false)
    return new Promise((resolve, reject) => {
      const before = this.length
      let timer: NodeJS.Timeout | undefined
      if (deadline !== undefined) {
        timer = setTimeout(() => {
          this.waiter = undefined
          this.socket.pause()
          reject(new ApiError(408, 'timed out reading the request head'))
        }, Math.max(0, deadline - Date.now()))
      }
      this.waiter = () => {
        clearTimeout(timer)
        resolve(this.length > before)
      }
      this.socket.resume()
    })
  }

  private flatten(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)]
    return this.chunks[0] ?? Buffer.alloc(0)
  }

  private take(n: number): Buffer {
    const all = this.flatten()
    const out = all.subarray(0, n)
    const rest = all.subarray(n)
    this.chunks = rest.length > 0 ? [rest] : []
    this.length = rest.length
    return out
  }

  /**
   * The next request head (through the blank line), or null at a clean end of the connection.
   * The head must be complete `timeoutMs` after the connection opened (`fresh`) or, on a kept-alive
   * connection, after its first byte (an idle connection may wait; dockerd's Go server does the same).
   */
  async readHead(maxSize: number, timeoutMs: number, fresh: boolean): Promise<Buffer | null> {
    let deadline = fresh ? Date.now() + timeoutMs : undefined
    for (;;) {
      // Empty lines between requests are allowed (RFC 9112 2.2).
      for (;;) {
        const buf = this.flatten()
        if (buf[0] === 0x0a) this.take(1)
        else if (buf[0] === 0x0d && buf[1] === 0x0a) this.take(2)
        else break
      }
      // Lines may end in CRLF or, as Go's server (dockerd) also accepts, a bare LF.
      const end = this.length > 0 ? headEnd(this.flatten())?.next ?? -1 : -1
      if (end >= 0) {
        if (end > maxSize) throw new ApiError(431, 'request header fields too large')
        return this.take(end)
      }
      if (this.length > maxSize) throw new ApiError(431, 'request header fields too large')
      if (deadline === undefined && this.length > 0) deadline = Date.now() + timeoutMs
      if (!(await this.more(deadline))) {
        if (this.length === 0) return null
        throw new ApiError(400, 'connection closed inside the request head')
      }
    }
  }

  async readExactly(n: number): Promise<Buffer> {
    while (this.length < n) {
      if (!(await this.more())) throw new ApiError(400, 'connection closed inside the request body')
    }
    return this.take(n)
  }

  /** Reads the whole body; more than `limit` bytes is a 413. */
  async readBody(head: RequestHead, limit: number): Promise<Buffer> {
    if (!head.chunked) {
      const n = head.contentLength ?? 0
      if (n > limit) throw new ApiError(413, `request body too large (limit ${limit} bytes)`)
      return n === 0 ? Buffer.alloc(0) : this.readExactly(n)
    }
    const decoder = new ChunkedDecoder()
    const parts: Buffer[] = []
    let size = 0
    const keep = (piece: Buffer): void => {
      size += piece.length
      if (size > limit) throw new ApiError(413, `request body too large (limit ${limit} bytes)`)
      parts.push(piece)
    }
    for (;;) {
      let rest: Buffer | undefined
      try {
        rest = decoder.decode(this.take(this.length), keep)
      } catch (error) {
        if (error instanceof HttpSyntaxError) throw new ApiError(400, 'malformed chunked body')
        throw error
      }
      if (rest !== undefined) {
        // Bytes past the body: the next request, or the first bytes of a hijacked stream.
        if (rest.length > 0) this.unshift(rest)
        return Buffer.concat(parts)
      }
      if (!(await this.more())) throw new ApiError(400, 'connection closed inside the request body')
    }
  }

  private unshift(data: Buffer): void {
    this.chunks.unshift(data)
    this.length += data.length
  }

  /** Stops reading for HTTP; returns bytes already read past the request (they belong to the stream). */
  detach(): {leftover: Buffer; ended: boolean} {
    if (!this.detached) {
      this.detached = true
      this.socket.off('data', this.onData)
      this.socket.off('end', this.onEnd)
      this.socket.off('close', this.onEnd)
    }
    const leftover = this.take(this.length)
    return {leftover, ended: this.ended}
  }
}

/**
 * A parsed head. The query is parsed when first asked for: a streaming request keeps its head for the
 * whole session, and a URLSearchParams (with its URL) is several hundred bytes nobody reads after routing.
 */
class ParsedHead implements RequestHead {
  private params: URLSearchParams | undefined

  constructor(
    readonly method: string,
    readonly target: string,
    readonly path: string,
    private readonly search: string,
    readonly headers: HeaderFields,
    readonly httpVersion: string,
    readonly upgrade: boolean,
    readonly keepAlive: boolean,
    readonly contentLength: number | undefined,
    readonly chunked: boolean,
  ) {}

  get query(): URLSearchParams {
    return (this.params ??= new URLSearchParams(this.search))
  }
}

const METHODS = new Map(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'].map((m) => [m, m]))

/** Parses a request head (through its empty line); anything malformed is a 400 (501 for an unknown coding). */
export function parseRequestHead(raw: Buffer): RequestHead {
  const lines = headLines(raw, headEnd(raw)?.end ?? raw.length)
  const m = /^([A-Z]+) (\S+) HTTP\/(1\.[01])$/.exec(lines[0] ?? '')
  if (!m) throw new ApiError(400, 'malformed HTTP request line')
  let headers: HeaderFields
  let length: number | undefined
  try {
    headers = parseHeaderFields(lines)
    length = contentLength(headers)
  } catch (error) {
    if (error instanceof HttpSyntaxError) throw new ApiError(error.status, error.message)
    throw error
  }
  // Stricter than the client: only a plain chunked coding, never beside a length (request smuggling).
  const te = headers['transfer-encoding']?.toLowerCase()
  if (te !== undefined && te !== 'chunked') throw new ApiError(501, `unsupported Transfer-Encoding "${te}"`)
  if (te !== undefined && length !== undefined) throw new ApiError(400, 'both Content-Length and Transfer-Encoding')
  const connection = (headers.connection ?? '').toLowerCase().split(',').map((s) => s.trim())
  const httpVersion = m[3]
  let url: URL
  try {
    url = new URL(m[2], 'http://mock')
  } catch {
    throw new ApiError(400, 'malformed request target')
  }
  return new ParsedHead(
    METHODS.get(m[1]) ?? m[1],
    m[2],
    url.pathname,
    url.search,
    headers,
    httpVersion,
    connection.includes('upgrade') && headers.upgrade !== undefined,
    httpVersion === '1.1' ? !connection.includes('close') : connection.includes('keep-alive'),
    length,
    te === 'chunked',
  )
}
