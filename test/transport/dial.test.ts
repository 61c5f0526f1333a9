// The dialed connection: TCP keepalive with a 30 s period (as the Docker CLI), no delay, no timeout.
import {execFileSync} from 'node:child_process'
import net from 'node:net'
import t from 'tap'
import {dial, prepareHijackedSocket} from '../../src/transport/dial.js'
import {ConnectError} from '../../src/transport/errors.js'
import {request} from '../../src/transport/request.js'

t.test('TCP: the kernel runs a ~30 s keepalive timer on the connection', async (t) => {
  let ss: string
  try {
    ss = execFileSync('ss', ['-V'], {encoding: 'utf8'})
  } catch {
    // Under CI a missing tool fails the run instead of skipping what it checks.
    if (process.env.CI === 'true') t.fail('ss (iproute2) is not installed')
    else t.comment('SKIP: ss (iproute2) not installed')
    return
  }
  t.ok(ss)
  const server = net.createServer((peer) => peer.on('error', () => {}))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  const port = (server.address() as net.AddressInfo).port
  const socket = dial({kind: 'tcp', hostname: '127.0.0.1', port, url: `tcp://127.0.0.1:${port}`})
  await new Promise((resolve) => socket.once('connect', resolve))
  prepareHijackedSocket(socket)
  const line = execFileSync('ss', ['-tnoH', 'state', 'established', `( dport = :${port} )`], {encoding: 'utf8'})
  socket.destroy()
  const seconds = Number(/timer:\(keepalive,(\d+)sec/.exec(line)?.[1])
  t.ok(seconds >= 25 && seconds <= 30, `keepalive timer ${seconds} s (${line.trim()})`)
  t.notOk(socket.timeout, 'no inactivity timeout left on the socket (0 or unset)')
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
