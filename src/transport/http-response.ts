// An incremental HTTP/1.1 response parser: the head, then the body by its framing (RFC 9112 section 6).
// The CLI makes a handful of small requests per run; Node's http client costs ~3 ms to load and ~5 ms
// on its first request, which is a tenth of a whole `hijack exec true`. This is the part of it we need.
import {StreamError} from './errors.js'

/** A response head larger than this is refused (Go's server sends a few hundred bytes). */
export const MAX_HEAD = 64 * 1024

export interface ResponseHead {
  statusCode: number
  /** The reason phrase from the status line ("Not Found"). */
  statusText: string
  /** Lower-cased names; repeated headers joined with ", ". */
  headers: Record<string, string>
  /** HTTP/1.1 without `Connection: close`: the connection may carry another request once the body ends. */
  keepAlive: boolean
}

type BodyFraming =
  | {kind: 'none'}
  | {kind: 'length'; remaining: number}
  | {kind: 'chunked'}
  | {kind: 'close'}

export interface ParserEvents {
  /** A final (non-1xx, or 101) head. Returning 'stop' stops the parser there (an upgrade). */
  head(head: ResponseHead): void | 'stop'
  /** A slice of the body; it may share memory with the chunk that was fed. */
  body(data: Buffer): void
  /** The body is complete. `extra` is anything received past it. */
  complete(extra: Buffer): void
}

/**
 * The end of a head (request or response): the first empty line, with CRLF or bare LF line endings
 * (Go's server and client accept both). `end` is where the head's text stops, `next` the first byte after it.
 */
export function headEnd(buffer: Buffer): {end: number; next: number} | undefined {
  for (let i = buffer.indexOf(10); i !== -1; i = buffer.indexOf(10, i + 1)) {
    const end = buffer[i - 1] === 13 ? i - 1 : i // the head's text stops before its last line ending
    if (buffer[i + 1] === 10) return {end, next: i + 2}
    if (buffer[i + 1] === 13 && buffer[i + 2] === 10) return {end, next: i + 3}
  }
  return undefined
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

export function parseHead(text: string, requestMethod: string): {head: ResponseHead; framing: BodyFraming} {
  const lines = text.split(/\r?\n/)
  const status = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/.exec(lines[0] ?? '')
  if (!status) throw new StreamError(`the daemon's answer is not HTTP/1.x: ${JSON.stringify(lines[0]?.slice(0, 80))}`)
  const headers: Record<string, string> = Object.create(null)
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':')
    // The name must be a token (RFC 9110 5.1): no space before the colon, no folded (space-led) line,
    // and a value holds no CR or NUL (RFC 9110 5.5). All three are refused, as llhttp does (found by
    // test/fuzz/http-response.fuzz.test.ts: " x: 1" used to become a header named "x").
    if (colon <= 0 || !TOKEN.test(line.slice(0, colon)) || /[\0\r]/.test(line)) {
      throw new StreamError(`malformed header line in the daemon's answer: ${JSON.stringify(line.slice(0, 80))}`)
    }
    const name = line.slice(0, colon).toLowerCase()
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '') // OWS is SP and HTAB only
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value
  }
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

function framingOf(head: ResponseHead, requestMethod: string): BodyFraming {
  const {statusCode, headers} = head
  if (requestMethod === 'HEAD' || statusCode < 200 || statusCode === 204 || statusCode === 304) return {kind: 'none'}
  const coding = headers['transfer-encoding']
  const length = headers['content-length']
  if (coding !== undefined) {
    // A length beside a coding is a sign of a confused peer (RFC 9112 6.3): read by the coding, then close.
    if (length !== undefined) head.keepAlive = false
    // Only chunked as the final coding has a defined end; anything else runs until the daemon closes.
    if (/(^|,)\s*chunked\s*$/i.test(coding)) return {kind: 'chunked'}
    head.keepAlive = false
    return {kind: 'close'}
  }
  if (length !== undefined) {
    // Repeated headers arrive joined: "5, 5" is one length said twice, "5, 6" is not a length.
    const values = new Set(length.split(',').map((v) => v.trim()))
    const [value] = values
    if (values.size !== 1 || !/^\d{1,15}$/.test(value)) throw new StreamError(`bad Content-Length in the daemon's answer: ${JSON.stringify(length)}`)
    return {kind: 'length', remaining: Number(value)}
  }
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
  private chunk: 'size' | 'data' | 'data-end' | 'trailers' = 'size'
  private chunkLeft = 0
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
        const {head, framing} = parseHead(input.toString('latin1', 0, end.end), this.method)
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
    return this.chunked(input)
  }

  private chunked(input: Buffer): Buffer {
    while (input.length > 0 && !this.done) {
      if (this.chunk === 'data') {
        const take = Math.min(this.chunkLeft, input.length)
        this.events.body(input.subarray(0, take))
        this.chunkLeft -= take
        input = input.subarray(take)
        if (this.chunkLeft === 0) this.chunk = 'data-end'
        continue
      }
      const eol = input.indexOf(10)
      if (eol === -1) {
        if (input.length > 4096) throw new StreamError('a chunk line in the daemon\'s answer is too long')
        this.pending = input
        return Buffer.alloc(0)
      }
      const line = input.toString('latin1', 0, eol).replace(/\r$/, '')
      // Chunk data ends in exactly CRLF, as Go's chunked reader and llhttp require: with a bare LF
      // allowed there, a chunk one CR longer than its size passed (found by the llhttp differential).
      const dataEndOk = eol === 1 && input[0] === 13
      input = input.subarray(eol + 1)
      if (this.chunk === 'data-end') {
        if (!dataEndOk) throw new StreamError('a chunk in the daemon\'s answer is longer than its size')
        this.chunk = 'size'
      } else if (this.chunk === 'size') {
        const size = /^([0-9a-fA-F]{1,8})\s*(;.*)?$/.exec(line)
        if (!size) throw new StreamError(`bad chunk size in the daemon's answer: ${JSON.stringify(line.slice(0, 40))}`)
        this.chunkLeft = parseInt(size[1], 16)
        this.chunk = this.chunkLeft === 0 ? 'trailers' : 'data'
      } else if (line === '') {
        this.finish(input) // trailers end at an empty line; they are not needed
        return Buffer.alloc(0)
      }
    }
    return input
  }
}
