// The API client: requests share a kept-alive connection (as the Docker CLI's do), a connection the
// daemon closed while idle is replaced for requests that may be repeated, bad answers are clear errors,
// and idle connections never keep the process alive. The hijack always dials a connection of its own.
import {spawn} from 'node:child_process'
import net from 'node:net'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import t, {type Test} from 'tap'
import {ConnectError, DaemonError, StreamError} from '../../src/transport/errors.js'
import {hijack} from '../../src/transport/hijack.js'
import type {DockerHost} from '../../src/transport/host.js'
import {HttpClient} from '../../src/transport/request.js'
import {tempDir} from '../helpers/temp.js'

type Answer = (request: string, connection: number, socket: net.Socket) => void

/**
 * A scripted daemon on a unix socket: `answer` is called once per complete request head (bodies are
 * small JSON sent in the same write by the client) with the connection's number.
 */
async function scriptedDaemon(t: Test, answer: Answer): Promise<{host: DockerHost; connections: () => number}> {
  const path = join(tempDir(t, 'hj-http-'), 'd.sock')
  let connections = 0
  const server = net.createServer((socket) => {
    const id = ++connections
    let buffered = ''
    socket.on('error', () => {})
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1')
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n')
        if (end === -1) return
        const length = Number(/content-length: (\d+)/i.exec(buffered.slice(0, end))?.[1] ?? 0)
        if (buffered.length < end + 4 + length) return
        const request = buffered.slice(0, end + 4 + length)
        buffered = buffered.slice(request.length)
        answer(request, id, socket)
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(path, resolve))
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  t.teardown(() => { for (const s of sockets) s.destroy() })
  const sockets = new Set<net.Socket>()
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)) })
  return {host: {kind: 'unix', path, url: `unix://${path}`}, connections: () => connections}
}

const reply = (status: string, body: string, extra = ''): string =>
  `HTTP/1.1 ${status}\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
const ok = (body: string, extra = ''): string => reply('200 OK', body, extra)

t.test('GETs share one kept-alive connection, a POST dials its own; chunked and JSON answers arrive whole', async (t) => {
  const seen: string[] = []
  const daemon = await scriptedDaemon(t, (request, _id, socket) => {
    seen.push(request)
    if (request.startsWith('GET /_ping')) socket.write(ok('OK', 'Api-Version: 1.41\r\n'))
    else if (request.startsWith('GET /v1.41/containers/box/json')) {
      // Go's server chunks any answer over 2 KiB, as container inspect is.
      const body = JSON.stringify({Id: 'box', Padding: 'x'.repeat(5000)})
      socket.write(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${(1000).toString(16)}\r\n${body.slice(0, 1000)}\r\n`)
      setTimeout(() => socket.write(`${(body.length - 1000).toString(16)}\r\n${body.slice(1000)}\r\n0\r\n\r\n`), 10)
    } else socket.write('HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{"Id":"e1"}\n')
  })
  const client = new HttpClient(daemon.host)
  t.teardown(() => client.close())
  const ping = await client.request({method: 'GET', path: '/_ping'})
  t.equal(ping.headers['api-version'], '1.41')
  t.equal(ping.body.toString(), 'OK')
  const inspect = await client.requestJson<{Id: string; Padding: string}>({method: 'GET', path: '/v1.41/containers/box/json'})
  t.equal(inspect.Padding.length, 5000)
  const created = await client.requestJson<{Id: string}>({method: 'POST', path: '/v1.41/containers/box/exec', body: {Cmd: ['true']}})
  t.equal(created.Id, 'e1')
  t.equal(daemon.connections(), 2, 'ping and inspect on one connection, the create on a fresh one')
  t.match(seen[2], /^POST \/v1\.41\/containers\/box\/exec HTTP\/1\.1\r\n/)
  t.match(seen[2], /\r\nContent-Type: application\/json\r\n/)
  t.match(seen[2], /\r\nContent-Length: 16\r\n\r\n\{"Cmd":\["true"\]\}$/)
  t.match(seen[0], /\r\nHost: api\.moby\.localhost\r\n/)
})

t.test('an answer with Connection: close, or delimited by the close, is not reused', async (t) => {
  const daemon = await scriptedDaemon(t, (request, id, socket) => {
    if (id === 1) socket.end(ok('first', 'Connection: close\r\n'))
    else if (id === 2) socket.end('HTTP/1.1 200 OK\r\n\r\nuntil close')
    else socket.write(ok('third'))
  })
  const client = new HttpClient(daemon.host)
  t.teardown(() => client.close())
  t.equal((await client.request({method: 'GET', path: '/a'})).body.toString(), 'first')
  t.equal((await client.request({method: 'GET', path: '/b'})).body.toString(), 'until close')
  t.equal((await client.request({method: 'GET', path: '/c'})).body.toString(), 'third')
  t.equal(daemon.connections(), 3)
})

t.test('a kept-alive connection the daemon closed: GET goes again on a fresh one; a POST never takes one', async (t) => {
  const answered = new WeakSet<net.Socket>()
  const seen: string[] = []
  const daemon = await scriptedDaemon(t, (request, id, socket) => {
    seen.push(`${id} ${request.split(' ').slice(0, 2).join(' ')}`)
    // The first connection answers once; the daemon closes it without a word when the next request
    // arrives, as an idle timeout racing a request would.
    if (id === 1 && !answered.has(socket)) {
      answered.add(socket)
      socket.write(ok('one'))
      return
    }
    if (id === 1) socket.destroy()
    else socket.write(ok(`fresh ${id}`))
  })
  const client = new HttpClient(daemon.host)
  t.teardown(() => client.close())
  await client.request({method: 'GET', path: '/first'})
  const answer = await client.request({method: 'GET', path: '/again'})
  t.equal(answer.body.toString(), 'fresh 2', 'the GET was repeated on a new connection')
  // Connection 2 is now idle and kept. A POST that may not be sent twice dials its own connection,
  // so a daemon that closes idle connections can never make it fail.
  const posted = await client.request({method: 'POST', path: '/containers/box/kill'})
  t.equal(posted.body.toString(), 'fresh 3')
  const resized = await client.request({method: 'POST', path: '/exec/e/resize?h=1&w=1', retry: true})
  t.equal(resized.body.toString(), 'fresh 2', 'a POST marked safe to repeat takes the kept-alive connection')
  t.same(seen, ['1 GET /first', '1 GET /again', '2 GET /again', '3 POST /containers/box/kill', '2 POST /exec/e/resize?h=1&w=1'])
})

t.test('a daemon that closes every connection after its answer (without saying so) still works', async (t) => {
  let requests = 0
  const daemon = await scriptedDaemon(t, (request, _id, socket) => {
    requests++
    socket.end(request.startsWith('POST') ? reply('201 Created', '{"Id":"e1"}') : ok('{}'))
  })
  const client = new HttpClient(daemon.host)
  t.teardown(() => client.close())
  for (const method of ['GET', 'POST', 'GET', 'POST', 'POST']) {
    const res = await client.request({method, path: '/x', ...(method === 'POST' && {body: {}})})
    t.equal(res.statusCode, method === 'POST' ? 201 : 200)
  }
  t.ok(requests >= 5, `${requests} requests reached the daemon for 5 answers`)
})

t.test('requests on the wire: a bodiless POST says Content-Length: 0; a bad request line is refused before dialing', async (t) => {
  const seen: string[] = []
  const daemon = await scriptedDaemon(t, (request, _id, socket) => {
    seen.push(request)
    socket.write(ok(''))
  })
  const client = new HttpClient(daemon.host)
  t.teardown(() => client.close())
  await client.request({method: 'POST', path: '/containers/box/kill?signal=TERM'})
  await client.request({method: 'GET', path: '/_ping'})
  t.match(seen[0], /\r\nContent-Length: 0\r\n\r\n$/)
  t.notMatch(seen[1], /Content-Length/, 'a GET carries no length')
  const bad = await client.request({method: 'GET', path: '/x y\r\nEvil: 1'}).catch((e) => e)
  t.type(bad, TypeError)
  const badHijack = await hijack(daemon.host, {method: 'POST', path: '/x y'}).catch((e) => e)
  t.type(badHijack, TypeError)
  // Connections are accepted in the order they were dialed: if the bad requests had dialed, a fresh
  // client's connection would not be the second one.
  const probe = new HttpClient(daemon.host)
  t.teardown(() => probe.close())
  await probe.request({method: 'GET', path: '/probe'})
  t.equal(daemon.connections(), 2, 'nothing was dialed for them')
  t.match(seen.at(-1), /^GET \/probe /, 'the second connection is the probe\'s')
})

t.test('close(): idle connections go, and an answer still in flight is not kept afterwards', async (t) => {
  let answer: (() => void) | undefined
  const open = new Set<net.Socket>()
  const daemon = await scriptedDaemon(t, (_request, _id, socket) => {
    open.add(socket)
    socket.on('close', () => open.delete(socket))
    answer = () => socket.write(ok('late'))
  })
  const client = new HttpClient(daemon.host)
  const pending = client.request({method: 'GET', path: '/slow'})
  while (!answer) await new Promise((resolve) => setTimeout(resolve, 5))
  client.close()
  answer()
  t.equal((await pending).body.toString(), 'late')
  for (let i = 0; i < 100 && open.size > 0; i++) await new Promise((resolve) => setTimeout(resolve, 5))
  t.equal(open.size, 0, 'the connection was closed, not pooled')
})

t.test('error answers carry the daemon\'s message; broken answers are StreamErrors', async (t) => {
  const daemon = await scriptedDaemon(t, (request, _id, socket) => {
    const path = request.split(' ')[1]
    if (path === '/missing') socket.write('HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 38\r\n\r\n{"message":"No such container: nope"}\n')
    else if (path === '/plain') socket.write('HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n')
    else if (path === '/cut') socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this')
    else if (path === '/huge') socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n${'x'.repeat(2000)}`)
    else if (path === '/garbage') socket.write('SSH-2.0-OpenSSH\r\n\r\n')
    else socket.destroy()
  })
  const client = new HttpClient(daemon.host)
  t.teardown(() => client.close())
  const missing = await client.request({method: 'GET', path: '/missing'}).catch((e) => e)
  t.type(missing, DaemonError)
  t.equal(missing.message, 'Error response from daemon: No such container: nope')
  t.equal(missing.statusCode, 404)
  const plain = await client.request({method: 'GET', path: '/plain'}).catch((e) => e)
  t.equal(plain.message, 'Error response from daemon: 500 Internal Server Error', 'no body: the status line speaks')
  const cut = await client.request({method: 'GET', path: '/cut'}).catch((e) => e)
  t.type(cut, StreamError)
  t.match(cut.message, /cut before its end/)
  const huge = await client.request({method: 'GET', path: '/huge', maxBody: 1000}).catch((e) => e)
  t.type(huge, StreamError)
  t.match(huge.message, /larger than 1000 bytes/)
  const garbage = await client.request({method: 'GET', path: '/garbage'}).catch((e) => e)
  t.type(garbage, StreamError)
  t.match(garbage.message, /not HTTP\/1\.x/)
  const hangup = await client.request({method: 'GET', path: '/hangup'}).catch((e) => e)
  t.type(hangup, ConnectError, 'closed before any answer: Docker\'s connection message')
})

t.test('a wait-style answer: the head now, the body when it comes, on a connection of its own', async (t) => {
  let finish: (() => void) | undefined
  const daemon = await scriptedDaemon(t, (request, _id, socket) => {
    if (request.startsWith('POST /wait')) {
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n')
      finish = () => socket.write('10\r\n{"StatusCode":3}\r\n0\r\n\r\n')
    } else socket.write(ok('{}'))
  })
  const client = new HttpClient(daemon.host)
  t.teardown(() => client.close())
  const waiting = await client.send({method: 'POST', path: '/wait'})
  await client.request({method: 'GET', path: '/inspect'})
  t.equal(daemon.connections(), 2, 'the busy connection was not used for the inspect')
  finish!()
  t.same(JSON.parse((await waiting.body()).toString()), {StatusCode: 3})
})

t.test('idle kept-alive connections do not keep the process alive', async (t) => {
  const daemon = await scriptedDaemon(t, (_request, _id, socket) => socket.write(ok('OK')))
  const request = fileURLToPath(new URL('../../dist/transport/request.js', import.meta.url))
  const script = `import {HttpClient} from ${JSON.stringify(request)}
    const client = new HttpClient(${JSON.stringify(daemon.host)})
    const res = await client.request({method: 'GET', path: '/_ping'})
    console.log(res.body.toString())`
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000})
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c) => { stdout += c })
  child.stderr.on('data', (c) => { stderr += c })
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])))
  t.equal(stdout.trim(), 'OK')
  t.equal(code, 0, `exits on its own (signal ${signal}, stderr ${stderr})`)
  t.equal(daemon.connections(), 1)
})

t.test('hijack: a fresh connection each time, the bytes past the 101 first; a 200 is refused', async (t) => {
  const daemon = await scriptedDaemon(t, (request, id, socket) => {
    if (request.includes('/refuse')) socket.write(ok(''))
    else if (request.includes('/gone')) socket.write(reply('409 Conflict', '{"message":"container x is not running"}'))
    else socket.end(`HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\nstream of ${id}`)
  })
  for (const expected of [1, 2]) {
    const {socket, headers} = await hijack(daemon.host, {method: 'POST', path: '/exec/e/start', body: {Detach: false, Tty: false}})
    t.equal(headers.upgrade, 'tcp')
    // A 'data' listener alone starts the stream, as on a socket from Node's own upgrade.
    let received = ''
    socket.on('data', (chunk) => { received += chunk })
    await new Promise((resolve) => socket.on('close', resolve))
    t.equal(received, `stream of ${expected}`)
  }
  const refused = await hijack(daemon.host, {method: 'POST', path: '/refuse'}).catch((e) => e)
  t.type(refused, DaemonError)
  t.match(refused.message, /answered 200 instead of 101/)
  const gone = await hijack(daemon.host, {method: 'POST', path: '/gone'}).catch((e) => e)
  t.equal(gone.message, 'Error response from daemon: container x is not running')
})
