// The HTTP/1.1 codec both sides share: head ends, header fields, Content-Length, chunked bodies split anywhere.
import t from 'tap'
import {HttpSyntaxError} from '../../src/protocol/errors.js'
import {ChunkedDecoder, contentLength, endsChunked, headEnd, headLines, parseHeaderFields} from '../../src/protocol/http1.js'

t.test('a head ends at the first empty line, CRLF or bare LF', async (t) => {
  t.same(headEnd(Buffer.from('GET / HTTP/1.1\r\nA: 1\r\n\r\nbody')), {end: 20, next: 24})
  t.same(headEnd(Buffer.from('GET / HTTP/1.1\nA: 1\n\nbody')), {end: 19, next: 21})
  t.equal(headEnd(Buffer.from('GET / HTTP/1.1\r\nA: 1\r\n')), undefined)
  const raw = Buffer.from('GET / HTTP/1.1\r\nA: 1\nB: 2\r\n\r\n')
  t.same(headLines(raw, headEnd(raw)!.end), ['GET / HTTP/1.1', 'A: 1', 'B: 2'])
})

t.test('header fields: a map without a prototype, names lower-cased, repeats joined', async (t) => {
  const fields = parseHeaderFields(['HTTP/1.1 200 OK', 'Constructor: abc', 'X-Twice: 1', 'x-twice: 2', 'Empty:'])
  t.equal(Object.getPrototypeOf(fields), null)
  t.equal(fields.constructor, 'abc')
  t.equal(fields['x-twice'], '1, 2')
  t.equal(fields.empty, '')
  t.equal(parseHeaderFields(['x']).constructor, undefined)
  for (const bad of ['no colon', ': no name', 'Sp ace: x', 'A: nul\0']) {
    t.throws(() => parseHeaderFields(['x', bad]), HttpSyntaxError, JSON.stringify(bad))
  }
})

t.test('Content-Length: one value, said once or repeated the same', async (t) => {
  t.equal(contentLength(parseHeaderFields(['x'])), undefined)
  t.equal(contentLength(parseHeaderFields(['x', 'Content-Length: 5'])), 5)
  t.equal(contentLength(parseHeaderFields(['x', 'Content-Length: 5', 'Content-Length: 5'])), 5)
  t.throws(() => contentLength(parseHeaderFields(['x', 'Content-Length: 5', 'Content-Length: 6'])), /conflicting/)
  t.throws(() => contentLength(parseHeaderFields(['x', 'Content-Length: -1'])), /invalid Content-Length/)
  t.throws(() => contentLength(parseHeaderFields(['x', 'Content-Length: 1e3'])), /invalid Content-Length/)
  t.ok(endsChunked('gzip, chunked'))
  t.notOk(endsChunked('chunked, gzip'))
})

const BODY = '5\r\nhello\r\n1;ext=1\r\n \r\n6\nworld!\n0\r\nTrailer: x\r\n\r\nNEXT'

t.test('the chunked decoder gives the same body and rest however the bytes are split', async (t) => {
  const wire = Buffer.from(BODY)
  for (let a = 0; a <= wire.length; a++) {
    for (const b of [a, Math.min(wire.length, a + 3), wire.length]) {
      const decoder = new ChunkedDecoder()
      const body: Buffer[] = []
      let rest: Buffer | undefined
      for (const piece of [wire.subarray(0, a), wire.subarray(a, b), wire.subarray(b)]) {
        if (rest !== undefined) rest = Buffer.concat([rest, piece])
        else rest = decoder.decode(piece, (data) => body.push(Buffer.from(data)))
      }
      if (Buffer.concat(body).toString() !== 'hello world!' || rest?.toString() !== 'NEXT' || !decoder.done) {
        t.fail(`split at ${a}/${b}: ${JSON.stringify(Buffer.concat(body).toString())} rest ${JSON.stringify(rest?.toString())}`)
        return
      }
    }
  }
  t.pass('every split')
})

t.test('the chunked decoder refuses what is not chunked', async (t) => {
  const decode = (text: string) => new ChunkedDecoder().decode(Buffer.from(text), () => {})
  t.throws(() => decode('zz\r\n'), /bad chunk size/)
  t.throws(() => decode('2\r\nabc\r\n'), /longer than its size/)
  t.throws(() => decode('1'.repeat(5000)), /too long/)
  t.throws(() => decode(`${'1'.repeat(5000)}\n`), /too long/)
  t.equal(decode('5\r\nhel'), undefined, 'an unfinished body asks for more')
})
