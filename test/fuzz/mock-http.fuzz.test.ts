// Properties of the mock daemon's request parser (src/mock-daemon/server/request-reader.ts, on src/protocol/http1.ts): on any bytes, cut into
// any chunks, it answers with nothing but an ApiError (its 4xx/5xx), never stalls, and a request it
// can describe (head, then a Content-Length or chunked body) comes out as it went in.
import type {Socket} from 'node:net'
import {PassThrough} from 'node:stream'
import fc from 'fast-check'
import t from 'tap'
import {ApiError} from '../../src/mock-daemon/server/api-error.js'
import {SocketReader, parseRequestHead as parseHead} from '../../src/mock-daemon/server/request-reader.js'
import {check} from './fuzz-config.js'
import {cuts} from './arbitraries.js'

interface Request {
  method: string
  target: string
  headers: Array<[string, string]>
  body: Buffer
  chunked: boolean
  chunkSizes: number[]
}

const tchar = fc.constantFrom(...'!#$%&\'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'.split(''))
const token = fc.string({unit: tchar, minLength: 1, maxLength: 12})
const value = fc.string({unit: fc.constantFrom(...'abcXYZ019 ,;=/"()-_.:'.split('')), maxLength: 20}).map((v) => v.trim())
// "." and ".." segments are left out: the mock resolves them, as a URL does.
const segment = fc.string({unit: fc.constantFrom(...'abz09-_.%~'.split('')), maxLength: 8}).filter((s) => s !== '.' && s !== '..')
const request: fc.Arbitrary<Request> = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'HEAD'),
  target: fc.tuple(fc.array(segment, {minLength: 1, maxLength: 4}), fc.option(fc.string({unit: fc.constantFrom(...'a=1&b%20'.split('')), maxLength: 10})))
    .map(([parts, query]) => `/${parts.join('/')}${query === null ? '' : `?${query}`}`),
  headers: fc.uniqueArray(fc.tuple(token, value), {maxLength: 5, selector: ([n]) => n.toLowerCase()})
    .map((hs) => hs.filter(([n]) => !['content-length', 'transfer-encoding', 'connection', 'upgrade'].includes(n.toLowerCase()))),
  body: fc.uint8Array({maxLength: 200}).map((a) => Buffer.from(a)),
  chunked: fc.boolean(),
  chunkSizes: fc.array(fc.integer({min: 1, max: 50}), {maxLength: 5}),
})

function serialise(r: Request, eol: string): Buffer {
  const lines = [`${r.method} ${r.target} HTTP/1.1`, ...r.headers.map(([n, v]) => `${n}: ${v}`)]
  lines.push(r.chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${r.body.length}`)
  const parts = [Buffer.from(`${lines.join(eol)}${eol}${eol}`, 'latin1')]
  if (!r.chunked) parts.push(r.body)
  else {
    let at = 0
    for (const size of [...r.chunkSizes, r.body.length]) {
      const piece = r.body.subarray(at, at + size)
      if (piece.length === 0) break
      parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'))
      at += piece.length
    }
    parts.push(Buffer.from('0\r\n\r\n'))
  }
  return Buffer.concat(parts)
}

/** Feeds `chunks` to a SocketReader over a fake socket, one per turn of the event loop, then ends. */
async function readRequest(chunks: Buffer[]): Promise<{head: ReturnType<typeof parseHead>; body: Buffer; rest: Buffer} | ApiError | null> {
  const socket = new PassThrough()
  const reader = new SocketReader(socket as unknown as Socket)
  void (async () => {
    for (const chunk of chunks) {
      socket.write(chunk)
      await new Promise((r) => setImmediate(r))
    }
    socket.end()
  })()
  try {
    const raw = await reader.readHead(64 * 1024, 60_000, false)
    if (raw === null) return null
    const head = parseHead(raw)
    const body = await reader.readBody(head, 1024 * 1024)
    // As a hijacked session does: what the reader holds past the body, then the socket's further bytes.
    const {leftover} = reader.detach()
    const later: Buffer[] = []
    socket.on('data', (c: Buffer) => later.push(c))
    await new Promise((r) => { socket.once('end', r); socket.resume() })
    return {head, body, rest: Buffer.concat([leftover, ...later])}
  } catch (error) {
    if (error instanceof ApiError) return error
    throw error
  }
}

const mutation = fc.tuple(fc.nat(), fc.constantFrom(0x20, 0x09, 0x3a, 0x0d, 0x0a, 0x00, 0x61, 0x30, 0x7f, 0xff, 0x3b))
const anyBytes = fc.oneof(
  fc.uint8Array({maxLength: 80}).map((a) => Buffer.from(a)),
  fc.tuple(request, fc.array(mutation, {minLength: 1, maxLength: 3})).map(([r, ms]) => ms.reduce((bytes, [at, byte]) => {
    const i = at % bytes.length
    return Buffer.concat([bytes.subarray(0, i), Buffer.from([byte]), bytes.subarray(i + 1)])
  }, serialise(r, '\r\n'))),
)

t.test('parseHead: any bytes give a head or an ApiError, nothing else', async (t) => {
  await check(t, 'mock http: parseHead typed errors', fc.property(anyBytes, (bytes) => {
    try {
      parseHead(bytes)
    } catch (error) {
      if (!(error instanceof ApiError) || error.status < 400) throw error
    }
  }), 1000)
})

t.test('SocketReader: any bytes in any chunks end in a request, a clean end or an ApiError, never a stall', async (t) => {
  await check(t, 'mock http: reader typed errors, no stall', fc.asyncProperty(anyBytes, cuts, async (bytes, cut) => {
    const got = await readRequest(cut(bytes))
    return got === null || got instanceof ApiError || typeof got.head.method === 'string'
  }), 200, 5000)
})

t.test('requests round-trip: method, target, headers and body, with CRLF or bare LF in the head', async (t) => {
  await check(t, 'mock http: round-trip', fc.asyncProperty(request, fc.constantFrom('\r\n', '\n'), cuts, fc.uint8Array({maxLength: 20}), async (r, eol, cut, after) => {
    const got = await readRequest(cut(Buffer.concat([serialise(r, eol), after])))
    if (got === null || got instanceof ApiError) return false
    const headers: Record<string, string> = {}
    for (const [n, v] of r.headers) headers[n.toLowerCase()] = v
    if (r.chunked) headers['transfer-encoding'] = 'chunked'
    else headers['content-length'] = String(r.body.length)
    return got.head.method === r.method && got.head.target === r.target && got.head.path === r.target.split('?')[0] &&
      JSON.stringify(got.head.headers) === JSON.stringify(headers) && got.head.chunked === r.chunked &&
      got.body.equals(r.body) && got.rest.equals(after) // bytes past the body stay for the stream (stdin)
  }), 200, 5000)
})
