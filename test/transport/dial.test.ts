// The dialed connection: TCP keepalive with a 30 s period (as the Docker CLI), no delay, no timeout.
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import net from 'node:net'
import tls from 'node:tls'
import t, {type Test} from 'tap'
import {dial, prepareHijackedSocket} from '../../src/transport/dial.js'
import {ConnectError} from '../../src/transport/errors.js'
import {request} from '../../src/transport/request.js'
import {makeTestCerts} from '../helpers/tls-certs.js'

/** Whether `ss` can be run; under CI a missing tool fails the run instead of skipping what it checks. */
function haveSs(t: Test): boolean {
  try {
    return execFileSync('ss', ['-V'], {encoding: 'utf8'}).length > 0
  } catch {
    if (process.env.CI === 'true') t.fail('ss (iproute2) is not installed')
    else t.comment('SKIP: ss (iproute2) not installed')
    return false
  }
}

/** The kernel's keepalive timer on our established connection to `port`, in seconds. */
function keepaliveSeconds(t: Test, port: number): number {
  const line = execFileSync('ss', ['-tnoH', 'state', 'established', `( dport = :${port} )`], {encoding: 'utf8'})
  const seconds = Number(/timer:\(keepalive,(\d+)sec/.exec(line)?.[1])
  t.comment(line.trim())
  return seconds
}

t.test('TCP: the kernel runs a ~30 s keepalive timer on the connection', async (t) => {
  if (!haveSs(t)) return
  const server = net.createServer((peer) => peer.on('error', () => {}))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  const port = (server.address() as net.AddressInfo).port
  const socket = dial({kind: 'tcp', hostname: '127.0.0.1', port, url: `tcp://127.0.0.1:${port}`})
  await new Promise((resolve) => socket.once('connect', resolve))
  prepareHijackedSocket(socket)
  const seconds = keepaliveSeconds(t, port)
  socket.destroy()
  t.ok(seconds >= 25 && seconds <= 30, `keepalive timer ${seconds} s`)
  t.notOk(socket.timeout, 'no inactivity timeout left on the socket (0 or unset)')
})

t.test('TLS: the same ~30 s keepalive on the TCP connection under TLS (Docker leaves TLS at Go\'s 15 s)', async (t) => {
  if (!haveSs(t)) return
  const dir = mkdtempSync('/tmp/hj-dial-tls-')
  t.teardown(() => rmSync(dir, {recursive: true, force: true}))
  const certs = makeTestCerts(dir)
  const server = tls.createServer({cert: readFileSync(certs.serverCert), key: readFileSync(certs.serverKey)}, (peer) => peer.on('error', () => {}))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  const port = (server.address() as net.AddressInfo).port
  const socket = dial({kind: 'tcp', hostname: '127.0.0.1', port, url: `tcp://127.0.0.1:${port}`, tls: {verify: true, ca: readFileSync(certs.ca)}})
  await new Promise((resolve) => socket.once('secureConnect', resolve))
  prepareHijackedSocket(socket)
  const seconds = keepaliveSeconds(t, port)
  socket.destroy()
  t.ok(seconds >= 25 && seconds <= 30, `keepalive timer ${seconds} s`)
})

t.test('a refused connection becomes Docker\'s message', async (t) => {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  await new Promise((resolve) => server.close(resolve)) // the port is now closed
  const url = `tcp://127.0.0.1:${port}`
  const error = await request({kind: 'tcp', hostname: '127.0.0.1', port, url}, {method: 'GET', path: '/_ping'}).catch((e) => e)
  t.type(error, ConnectError)
  t.equal(error.message, `Cannot connect to the Docker daemon at ${url}. Is the docker daemon running?`)
  t.equal(error.exitCode, 1)
})
