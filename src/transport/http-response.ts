// An incremental HTTP/1.1 response parser: the head, then the body by its framing (RFC 9112 section 6).
// The CLI makes a handful of small requests per run; Node's http client costs ~3 ms to load and ~5 ms
// on its first request, which is a tenth of a whole `hijack exec true`. This is the part of it we need.
import {ChunkedDecoder, contentLength, endsChunked, headEnd, headLines, type HeaderFields, parseHeaderFields} from '../protocol/http1.js'
import {HttpSyntaxError} from '../protocol/errors.js'
import {StreamError} from './errors.js'

/** A response head larger than this is refused (Go's server sends a few hundred bytes). */
export const MAX_HEAD = 64 * 1024

export interface ResponseHead {
  statusCode: number
  /** The reason phrase from the status line ("Not Found"). */
  statusText: string
  /** Lower-cased names; repeated headers joined with ", " (no prototype: see HeaderFields). */
  headers: HeaderFields
  /** HTTP/1.1 without `Connection: close`: the connection may carry another request once the body ends. */
  keepAlive: boolean
}

type BodyFraming =
  | {kind: 'none'}
  | {kind: 'length'; remaining: number}
  | {kind: 'chunked'; decoder: ChunkedDecoder}
  | {kind: 'close'}

export interface ParserEvents {
  /** A final (non-1xx, or 101) head. Returning 'stop' stops the parser there (an upgrade). */
  head(head: ResponseHead): void | 'stop'
  /** A slice of the body; it may share memory with the chunk that was fed. */
  body(data: Buffer): void
  /** The body is complete. `extra` is anything received past it. */
  complete(extra: Buffer): void
}

/** The client's reading of a response head; the syntax is the shared codec's (protocol/http1.ts). */
export function parseResponseHead(raw: Buffer, end: number, requestMethod: string): {head: ResponseHead; framing: BodyFraming} {
  const lines = headLines(raw, end)
  const status = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/.exec(lines[0] ?? '')
  if (!status) throw new StreamError(`the daemon's answer is not HTTP/1.x: ${JSON.stringify(lines[0]?.slice(0, 80))}`)
  const headers = daemonSyntax(() => parseHeaderFields(lines))
  const statusCode = Number(status[2])
  const connection = (headers.connection ?? '').toLowerCase()
  const head: ResponseHead = {
    statusCode,
    statusText: status[3] ?? '',
    headers,
    keepAlive: status[1] === '1' && !/(^|,)\s*close\s*(,|$)/.test(connection),
  }
  return {head, framing: framingOf(head, requestMethod)}
}

/** Runs the shared codec; what it refuses is the daemon's broken answer (a StreamError, exit 1). */
function daemonSyntax<T>(parse: () => T): T {
  try {
    return parse()
  } catch (error) {
    if (error instanceof HttpSyntaxError) throw new StreamError(`malformed answer from the daemon: ${error.message}`)
    throw error
  }
}

function framingOf(head: ResponseHead, requestMethod: string): BodyFraming {
  const {statusCode, headers} = head
  if (requestMethod === 'HEAD' || statusCode < 200 || statusCode === 204 || statusCode === 304) return {kind: 'none'}
  const coding = headers['transfer-encoding']
  const length = headers['content-length']
  if (coding !== undefined) {
    // A length beside a coding is a sign of a confused peer (RFC 9112 6.3): read by the coding, then close.
    if (length !== undefined) head.keepAlive = false
    // Only chunked as the final coding has a defined end; anything else runs until the daemon closes.
    if (endsChunked(coding)) return {kind: 'chunked', decoder: new ChunkedDecoder()}
    head.keepAlive = false
    return {kind: 'close'}
  }
  if (length !== undefined) return {kind: 'length', remaining: daemonSyntax(() => contentLength(headers))!}
  head.keepAlive = false
  return {kind: 'close'}
}

/**
 * Feed it the bytes of one connection. It reports the head, the body's pieces and the body's end;
 * 1xx heads other than 101 are skipped. Throws StreamError on bytes that are not a response.
 */
export class ResponseParser {
  private pending: Buffer | undefined
  private framing: BodyFraming | undefined
  private done = false

  constructor(private readonly method: string, private readonly events: ParserEvents) {}

  /** Whether the body has been completely received. */
  get complete(): boolean {
    return this.done
  }

  /** Whether the body is delimited by the end of the connection (and none of it is missing yet). */
  get endsAtClose(): boolean {
    return this.framing?.kind === 'close'
  }

  feed(data: Buffer): void {
    if (this.done) return
    let input = this.pending ? Buffer.concat([this.pending, data]) : data
    this.pending = undefined
    while (input.length > 0 && !this.done) {
      if (!this.framing) {
        const end = headEnd(input)
        if (!end || end.next > MAX_HEAD) {
          if (end || input.length > MAX_HEAD) throw new StreamError(`the daemon's answer head is larger than ${MAX_HEAD} bytes`)
          this.pending = input
          return
        }
        const {head, framing} = parseResponseHead(input, end.end, this.method)
        input = input.subarray(end.next)
        if (head.statusCode >= 100 && head.statusCode < 200 && head.statusCode !== 101) continue
        this.framing = framing
        const empty = framing.kind === 'none' || (framing.kind === 'length' && framing.remaining === 0)
        if (this.events.head(head) === 'stop' || empty) {
          this.finish(input)
          return
        }
        continue
      }
      input = this.body(input)
    }
  }

  /** Call when the connection has ended: a close-delimited body is complete, anything else is cut. */
  end(): void {
    if (this.done) return
    if (this.framing?.kind === 'close') this.finish(Buffer.alloc(0))
  }

  private finish(extra: Buffer): void {
    this.done = true
    this.events.complete(extra)
  }

  /** Consumes body bytes from `input`; returns what is left of it (past the body, or a partial line). */
  private body(input: Buffer): Buffer {
    const framing = this.framing!
    if (framing.kind === 'close') {
      this.events.body(input)
      return Buffer.alloc(0)
    }
    if (framing.kind === 'length') {
      const take = Math.min(framing.remaining, input.length)
      if (take > 0) this.events.body(input.subarray(0, take))
      framing.remaining -= take
      if (framing.remaining === 0) this.finish(input.subarray(take))
      return Buffer.alloc(0)
    }
    if (framing.kind === 'chunked') return this.chunked(framing.decoder, input)
    return Buffer.alloc(0) // 'none' ends at the head: no body bytes come here
  }

  private chunked(decoder: ChunkedDecoder, input: Buffer): Buffer {
    const rest = daemonSyntax(() => decoder.decode(input, (piece) => this.events.body(piece)))
    if (rest !== undefined) this.finish(rest)
    return Buffer.alloc(0)
  }
}
