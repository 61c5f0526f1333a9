// Fixed inputs for what the fuzzers (test/fuzz/) found: each case failed before its fix.
import {Writable} from 'node:stream'
import t from 'tap'
import {StreamError, UsageError} from '../../src/transport/errors.js'
import {parseHost} from '../../src/transport/host.js'
import {ResponseParser} from '../../src/transport/http-response.js'
import {parseRequestHead as parseMockHead} from '../../src/mock-daemon/server/request-reader.js'
import {StdcopyDemuxer, SystemErrorFrame, frameHeader} from '../../src/protocol/stdcopy.js'

t.test('stdcopy: no byte past a systemerr frame reaches stdout, even when chunks were queued behind backpressure', async (t) => {
  // stdout applies backpressure after 16 bytes, so the chunks after the first wait in the demuxer's
  // buffer; the systemerr frame fails the second chunk synchronously, and Node's Writable used to hand
  // the demuxer the third one anyway, whose frame then reached stdout.
  const got: Buffer[] = []
  const stdout = new Writable({highWaterMark: 16, write(c: Buffer, _e, cb) { got.push(Buffer.from(c)); setImmediate(cb) }})
  const stderr = new Writable({write(_c, _e, cb) { cb() }})
  const demuxer = new StdcopyDemuxer({stdout, stderr})
  const error = new Promise<Error>((resolve) => demuxer.on('error', resolve))
  demuxer.write(Buffer.concat([frameHeader(1, 16), Buffer.alloc(16, 'a')]))
  demuxer.write(Buffer.concat([frameHeader(3, 4), Buffer.from('boom')]))
  demuxer.write(Buffer.concat([frameHeader(1, 5), Buffer.from('AFTER')]))
  demuxer.end()
  t.type(await error, SystemErrorFrame)
  await new Promise((r) => stdout.end(r))
  t.equal(Buffer.concat(got).toString(), 'a'.repeat(16), 'only the bytes before the systemerr frame')
})

t.test('http-response: a header line whose name is not a token, or whose value holds CR or NUL, is refused', async (t) => {
  const parse = (line: string): unknown => {
    const heads: unknown[] = []
    const parser = new ResponseParser('GET', {head: (h) => { heads.push(h.headers) }, body: () => {}, complete: () => {}})
    parser.feed(Buffer.from(`HTTP/1.1 200 OK\r\nA: 1\r\n${line}\r\nContent-Length: 0\r\n\r\n`, 'latin1'))
    return heads[0]
  }
  // Each of these used to be accepted: the folded line became a header of its own named "x".
  for (const line of [' x: folded', '\tx: folded', 'Bad-Name : x', 'Bad Name: x', 'X-CR: a\rb', 'X-Nul: a\0b']) {
    t.throws(() => parse(line), StreamError, JSON.stringify(line))
  }
  // Only SP and HTAB are trimmed from a value: a no-break space (0xA0) is part of it, as llhttp keeps it.
  t.same(parse('X-Nbsp: \xa0v\xa0\t'), {a: '1', 'x-nbsp': '\xa0v\xa0', 'content-length': '0'})
})

t.test('mock http: a request target starting with "//" is a path, not a host', async (t) => {
  // It used to be read as a scheme-relative URL: "//containers/json" was routed as "/json".
  const head = parseMockHead(Buffer.from('GET //containers/json?all=1 HTTP/1.1\r\nHost: x\r\n\r\n'))
  t.equal(head.path, '//containers/json')
  t.equal(head.query.get('all'), '1')
  t.equal(parseMockHead(Buffer.from('GET /v1.45/containers/json HTTP/1.1\r\n\r\n')).path, '/v1.45/containers/json')
})

t.test('http-response: chunk data must end in CRLF, so a chunk one CR longer than its size is refused', async (t) => {
  const feed = (body: string): void => {
    const parser = new ResponseParser('GET', {head: () => {}, body: () => {}, complete: () => {}})
    parser.feed(Buffer.from(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${body}`, 'latin1'))
  }
  t.throws(() => feed('3\r\nabc\r\n0\r\n\r\n'.replace('abc\r\n', 'ab\r\n')), StreamError, 'size 3, data "ab\\r", then LF: used to pass')
  t.throws(() => feed('3\r\nabc\n0\r\n\r\n'), StreamError, 'bare LF after chunk data')
  t.doesNotThrow(() => feed('3\r\nabc\r\n0\r\n\r\n'))
})

t.test('http-response: a CR before the last header line\'s CRLF stays in the value, which is refused', async (t) => {
  // The shared codec dropped a second CR from the head's last line ("v\r\r\n\r\n" read as "v"), where
  // llhttp refuses the answer (found by the llhttp differential after the codec was shared).
  const feed = (head: string): void => {
    const parser = new ResponseParser('GET', {head: () => {}, body: () => {}, complete: () => {}})
    parser.feed(Buffer.from(head, 'latin1'))
  }
  t.throws(() => feed('HTTP/1.1 204 No Content\r\nA: 1\r\nB: v\r\r\n\r\n'), StreamError, 'last line')
  t.throws(() => feed('HTTP/1.1 204 No Content\r\nB: v\r\r\nA: 1\r\n\r\n'), StreamError, 'inner line')
  t.doesNotThrow(() => feed('HTTP/1.1 204 No Content\r\nA: 1\r\nB: v\r\n\r\n'))
})

t.test('host: a stray % in an ssh socket path is a usage error, not a URIError', async (t) => {
  t.throws(() => parseHost('ssh://7/%'), UsageError)
  t.same(parseHost('ssh://box/run/d%20x.sock'), {kind: 'ssh', hostname: 'box', socketPath: '/run/d x.sock', url: 'ssh://box/run/d%20x.sock'})
})
