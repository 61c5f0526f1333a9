// The mock's request heads: header names reach the handlers as sent, whatever they are called
// (`Constructor`, `__proto__`, `toString`), through the parser and through a real connection.
import t from 'tap'
import {EventEmitter} from 'node:events'
import {connect, createServer} from 'node:net'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {ConnectionServer} from '../../../src/mock-daemon/server/connections.js'
import type {DaemonRequest} from '../../../src/mock-daemon/server/daemon-request.js'
import {parseRequestHead} from '../../../src/mock-daemon/server/request-reader.js'

const head = (text: string): Buffer => Buffer.from(text.replace(/\n/g, '\r\n'))

t.test('names that are Object.prototype members are headers like any other', async (t) => {
  const h = parseRequestHead(head('GET /_ping HTTP/1.1\nConstructor: abc\n__proto__: p\ntoString: s\nX-A: 1\nx-a: 2\n\n'))
  t.equal(h.headers.constructor, 'abc')
  t.equal(h.headers.__proto__, 'p')
  t.equal(h.headers.tostring, 's')
  t.equal(h.headers['x-a'], '1, 2', 'repeated headers are joined')
  t.equal(Object.getPrototypeOf(h.headers), null)
  t.same(Object.keys(h.headers).sort(), ['__proto__', 'constructor', 'tostring', 'x-a'])
  const none = parseRequestHead(head('GET /_ping HTTP/1.1\n\n'))
  t.equal(none.headers.constructor, undefined, 'an absent header is absent, not a function')
  t.equal(none.upgrade, false)
})

t.test('a Constructor header reaches the request handler as sent, over a connection', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hijack-head-'))
  t.teardown(() => rmSync(dir, {recursive: true, force: true}))
  const seen: (string | undefined)[] = []
  const connections = new ConnectionServer({
    handler: async (req: DaemonRequest) => {
      seen.push(req.head.headers.constructor)
      req.sendJson(200, {constructor: req.head.headers.constructor ?? null})
    },
    maxHeaderSize: 16 * 1024,
    maxBodySize: 1024,
    headTimeoutMs: 10_000,
    events: new EventEmitter(),
  })
  const server = createServer({allowHalfOpen: true, pauseOnConnect: true}, (socket) => connections.handleConnection(socket))
  const path = join(dir, 's.sock')
  await new Promise<void>((resolve) => server.listen(path, resolve))
  t.teardown(() => {
    connections.closeAll()
    server.close()
  })
  const answer = await new Promise<string>((resolve, reject) => {
    const socket = connect(path)
    const chunks: Buffer[] = []
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('end', () => resolve(Buffer.concat(chunks).toString()))
    socket.on('error', reject)
    socket.write('GET /v1.47/anything HTTP/1.1\r\nHost: x\r\nConstructor: abc\r\nConnection: close\r\n\r\n')
  })
  t.same(seen, ['abc'])
  t.match(answer, /^HTTP\/1\.1 200 OK\r\n/)
  t.match(answer, /\r\n\r\n\{"constructor":"abc"\}\n$/)
})
