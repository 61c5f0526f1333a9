// HTTP/1.1 message syntax (RFC 9112), the one codec both sides build on: the client's response parser
// (transport/http-response.ts) and the mock daemon's request reader (mock-daemon/server/request-reader.ts).
// Where a head ends, its lines, header fields into a map, the body's declared framing, and an incremental
// chunked decoder. No sockets, no timeouts, no size limits beyond one line's: what a side does with a
// message (and how strict it is about codings) is its own policy.
import {HttpSyntaxError} from './errors.js'

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

/**
 * The head's lines, from the start of `raw` to `end` (headEnd's), each ending in LF with an optional CR
 * before it. One string per line, cut from the buffer: a value kept for a long session then holds on to
 * its own line at most, not to the text of the whole head.
 */
export function headLines(raw: Buffer, end: number): string[] {
  const lines: string[] = []
  for (let at = 0; at < end;) {
    const lf = raw.indexOf(0x0a, at)
    const eol = lf < 0 || lf > end ? end : lf
    lines.push(raw.toString('latin1', at, eol > at && raw[eol - 1] === 0x0d ? eol - 1 : eol))
    at = eol + 1
  }
  return lines
}

/**
 * Header fields by lower-case name, repeated fields joined with ", ". The map has no prototype, so a
 * field named `constructor` or `__proto__` is a field like any other.
 */
export type HeaderFields = Record<string, string>

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/** Parses the field lines of a head (`lines` from index `from`: line 0 is the start line). */
export function parseHeaderFields(lines: readonly string[], from = 1): HeaderFields {
  const fields: HeaderFields = Object.create(null)
  for (let i = from; i < lines.length; i++) {
    const line = lines[i]
    const colon = line.indexOf(':')
    const name = colon > 0 ? line.slice(0, colon) : ''
    const value = line.slice(colon + 1).trim()
    if (!TOKEN.test(name) || /[\0\r\n]/.test(value)) throw new HttpSyntaxError(`malformed HTTP header line ${JSON.stringify(line.slice(0, 80))}`)
    const key = name.toLowerCase()
    const seen = fields[key]
    fields[key] = seen === undefined ? value : `${seen}, ${value}`
  }
  return fields
}

/** The declared Content-Length, undefined without one. The same length said twice counts once ("5, 5"). */
export function contentLength(fields: HeaderFields): number | undefined {
  const raw = fields['content-length']
  if (raw === undefined) return undefined
  const values = new Set(raw.split(',').map((v) => v.trim()))
  if (values.size > 1) throw new HttpSyntaxError(`conflicting Content-Length headers ${JSON.stringify(raw)}`)
  const [value] = values
  if (!/^\d{1,15}$/.test(value)) throw new HttpSyntaxError(`invalid Content-Length ${JSON.stringify(raw)}`)
  return Number(value)
}

/** Whether chunked is the final transfer coding: only then does the body have an end of its own. */
export function endsChunked(transferEncoding: string): boolean {
  return /(^|,)\s*chunked\s*$/i.test(transferEncoding)
}

/** A chunk-size line, a trailer line or the CRLF after a chunk longer than this is refused. */
export const MAX_CHUNK_LINE = 4096

/**
 * Decodes a chunked body piece by piece, whatever the bytes' split. Lines end in CRLF or a bare LF;
 * chunk extensions and trailers are read and dropped.
 */
export class ChunkedDecoder {
  private state: 'size' | 'data' | 'data-end' | 'trailers' = 'size'
  private left = 0
  private pending: Buffer | undefined
  private ended = false

  /** Whether the whole body (its last chunk and trailers) has been read. */
  get done(): boolean {
    return this.ended
  }

  /**
   * Feeds the next bytes: `onData` gets each piece of chunk data (slices of `data`, no copy). Returns the
   * bytes past the body once its end has been read, else undefined. Throws HttpSyntaxError on a bad body.
   */
  decode(data: Buffer, onData: (piece: Buffer) => void): Buffer | undefined {
    if (this.ended) return data
    let input = this.pending ? Buffer.concat([this.pending, data]) : data
    this.pending = undefined
    while (input.length > 0) {
      if (this.state === 'data') {
        const take = Math.min(this.left, input.length)
        onData(input.subarray(0, take))
        this.left -= take
        input = input.subarray(take)
        if (this.left === 0) this.state = 'data-end'
        continue
      }
      const eol = input.indexOf(10)
      if (eol === -1 || eol > MAX_CHUNK_LINE) {
        if (eol !== -1 || input.length > MAX_CHUNK_LINE) throw new HttpSyntaxError('a chunk line is too long')
        this.pending = input
        return undefined
      }
      const line = input.toString('latin1', 0, eol > 0 && input[eol - 1] === 13 ? eol - 1 : eol)
      input = input.subarray(eol + 1)
      if (this.state === 'data-end') {
        if (line !== '') throw new HttpSyntaxError('a chunk is longer than its size')
        this.state = 'size'
      } else if (this.state === 'size') {
        const size = /^([0-9a-fA-F]{1,8})\s*(;.*)?$/.exec(line)
        if (!size) throw new HttpSyntaxError(`bad chunk size ${JSON.stringify(line.slice(0, 40))}`)
        this.left = Number.parseInt(size[1], 16)
        this.state = this.left === 0 ? 'trailers' : 'data'
      } else if (line === '') {
        this.ended = true // trailers end at an empty line; nobody here needs them
        return input
      }
    }
    return undefined
  }
}
