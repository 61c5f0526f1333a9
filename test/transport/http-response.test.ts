// The response parser: heads and bodies split anywhere, every framing the Engine API uses (Content-Length,
// chunked, none, until close), 1xx skipped, 101 stopping with the bytes past the head, bad input refused.
import t, {type Test} from 'tap'
import {StreamError} from '../../src/transport/errors.js'
import {MAX_HEAD, ResponseParser, type ResponseHead} from '../../src/transport/http-response.js'

interface Parsed {
  heads: ResponseHead[]
  body: string
  complete: boolean
  extra: string
}

/** Feeds `pieces` in order; `stopAt101` makes the head callback stop the parser as a hijack does. */
function parse(pieces: Array<string | Buffer>, {method = 'GET', stopAt101 = false, end = false} = {}): Parsed {
  const out: Parsed = {heads: [], body: '', complete: false, extra: ''}
  const parser = new ResponseParser(method, {
    head: (head) => {
      out.heads.push(head)
      return stopAt101 && head.statusCode === 101 ? 'stop' : undefined
    },
    body: (data) => { out.body += data.toString('latin1') },
    complete: (extra) => {
      out.complete = true
      out.extra = extra.toString('latin1')
    },
  })
  for (const piece of pieces) parser.feed(Buffer.from(piece as string, 'latin1'))
  if (end) parser.end()
  t.equal(parser.complete, out.complete, 'complete getter agrees with the event')
  return out
}

/** Every way to cut `text` in two, plus byte by byte. */
function splits(text: string): string[][] {
  const ways = [[text], [...text]]
  for (let i = 1; i < text.length; i++) ways.push([text.slice(0, i), text.slice(i)])
  return ways
}

/** However `wire` is cut, the parser gives one head, the whole `body`, and nothing past it. */
function everySplitGives(t: Test, wire: string, body: string): void {
  for (const pieces of splits(wire)) {
    const r = parse(pieces)
    t.equal(r.body, body)
    t.ok(r.complete)
    t.equal(r.heads.length, 1)
    t.equal(r.extra, '')
  }
}

t.test('Content-Length body, split anywhere, keep-alive; nothing past it is body', async (t) => {
  const wire = 'HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 5\r\n\r\nhello'
  everySplitGives(t, wire, 'hello')
  const r = parse([`${wire}NEXT`])
  t.same({status: r.heads[0].statusCode, text: r.heads[0].statusText, keepAlive: r.heads[0].keepAlive, version: r.heads[0].headers['api-version']},
    {status: 200, text: 'OK', keepAlive: true, version: '1.41'})
  t.equal(r.extra, 'NEXT', 'bytes past the body are handed back, not taken as body')
})

t.test('chunked body with extensions and trailers, split anywhere', async (t) => {
  const wire = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1A\r\n, and twenty-six bytes mor\r\n0\r\nX-Trailer: y\r\n\r\n'
  everySplitGives(t, wire, 'hello, and twenty-six bytes mor')
})

t.test('no body: zero length, 204, 304, and any answer to HEAD', async (t) => {
  t.ok(parse(['HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n']).complete, 'Content-Length: 0 ends at the head')
  t.ok(parse(['HTTP/1.1 204 No Content\r\n\r\n']).complete)
  t.ok(parse(['HTTP/1.1 304 Not Modified\r\n\r\n']).complete)
  const head = parse(['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n'], {method: 'HEAD'})
  t.ok(head.complete, 'HEAD: the length describes a body that is not sent')
  t.equal(head.body, '')
})

t.test('a body without length runs until the connection ends, and then is complete', async (t) => {
  const open = parse(['HTTP/1.1 200 OK\r\n\r\nsome', ' more'])
  t.notOk(open.complete)
  t.equal(open.body, 'some more')
  const ended = parse(['HTTP/1.1 200 OK\r\n\r\nsome'], {end: true})
  t.ok(ended.complete)
  t.notOk(ended.heads[0].keepAlive, 'the connection cannot carry another request')
  const cut = parse(['HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nsome'], {end: true})
  t.notOk(cut.complete, 'a body cut before its length is not complete at the end')
})

t.test('keep-alive: off for Connection: close and for HTTP/1.0', async (t) => {
  t.notOk(parse(['HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n']).heads[0].keepAlive)
  t.notOk(parse(['HTTP/1.1 200 OK\r\nConnection: Keep-Alive, Close\r\nContent-Length: 0\r\n\r\n']).heads[0].keepAlive)
  t.notOk(parse(['HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n']).heads[0].keepAlive)
  t.ok(parse(['HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n']).heads[0].keepAlive)
})

t.test('1xx heads are skipped; a 101 stops the parser and hands back the bytes past its head', async (t) => {
  const r = parse(['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}'])
  t.same(r.heads.map((h) => h.statusCode), [201])
  t.equal(r.body, '{}')
  const head = 'HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n'
  const stream = '\u0001\u0000\u0000\u0000\u0000\u0000\u0000\u0002hi'
  for (let cut = 1; cut < head.length; cut++) {
    const up = parse([head.slice(0, cut), head.slice(cut) + stream], {stopAt101: true})
    t.ok(up.complete)
    t.equal(up.heads[0].statusCode, 101)
    t.equal(up.body, '', 'stream bytes are not body')
    t.equal(up.extra, stream, `head cut at ${cut}: every stream byte after the head is handed back`)
  }
})

t.test('bare LF line endings are accepted', async (t) => {
  const r = parse(['HTTP/1.1 200 OK\nContent-Length: 2\n\nok'])
  t.equal(r.heads[0].statusCode, 200)
  t.equal(r.body, 'ok')
})

t.test('repeated headers are joined; names are lower-cased; any name is just a name', async (t) => {
  const r = parse(['HTTP/1.1 200 OK\r\nX-A: 1\r\nx-a: 2\r\nConstructor: c\r\n__proto__: p\r\nContent-Length: 0\r\n\r\n'])
  t.equal(r.heads[0].headers['x-a'], '1, 2')
  t.equal(r.heads[0].headers.constructor, 'c')
  t.equal(r.heads[0].headers.__proto__, 'p')
  const twice = parse(['HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok'])
  t.equal(twice.body, 'ok', 'one length said twice is that length')
})

t.test('a length beside chunked coding: read by the coding, and the connection is not reused', async (t) => {
  const r = parse(['HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n'])
  t.equal(r.body, 'ok')
  t.ok(r.complete)
  t.notOk(r.heads[0].keepAlive)
})

t.test('what is not an HTTP/1.x answer is refused with a StreamError', async (t) => {
  const bad = [
    ['not http at all\r\n\r\n', /not HTTP\/1\.x/],
    ['HTTP/2 200\r\n\r\n', /not HTTP\/1\.x/],
    ['HTTP/1.1 200 OK\r\nno colon here\r\n\r\n', /malformed HTTP header/],
    ['HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n', /invalid Content-Length/],
    ['HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n', /conflicting Content-Length/],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', /bad chunk size/],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n', /longer than its size/],
  ] as const
  for (const [wire, message] of bad) {
    t.throws(() => parse([wire]), message, JSON.stringify(wire))
    t.throws(() => parse([wire]), StreamError)
  }
  t.throws(() => parse([`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(MAX_HEAD)}`]), /head is larger than/, 'an endless head is cut off')
  t.throws(() => parse([`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(MAX_HEAD)}\r\n\r\n`]), /head is larger than/, 'so is a huge one in one piece')
})
