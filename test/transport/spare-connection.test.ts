// The hijack's connection dialed ahead where dialing is costly (TLS here; ssh has its own test below):
// its handshake overlaps the ping instead of following the exec create, the hijack goes over it, and a
// spare that died while waiting is replaced by a fresh dial.
import {chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import net from 'node:net'
import {join} from 'node:path'
import tls from 'node:tls'
import t, {type Test} from 'tap'
import {DockerApi} from '../../src/transport/docker-api.js'
import type {DockerHost} from '../../src/transport/host.js'
import {closeSshConnections, dialSsh} from '../../src/transport/ssh.js'
import {makeTestCerts} from '../helpers/tls-certs.js'

interface Seen {
  /** Connections whose TLS handshake completed, in order. */
  secured: number
  /** For each request line, the connection (1-based) it came on and how many were secured when answered. */
  requests: Array<{line: string; connection: number; securedThen: number}>
}

/**
 * A TLS "daemon" that holds the answer to /_ping until a second connection is secured (or 3 s pass),
 * answers other requests with `{}`, and upgrades /start. `dropConnection` is closed right after its
 * handshake, as a daemon that went away.
 */
async function startDaemon(t: Test, dropConnection?: number): Promise<{host: DockerHost; seen: Seen}> {
  const dir = mkdtempSync('/tmp/hj-spare-')
  t.teardown(() => rmSync(dir, {recursive: true, force: true}))
  const certs = makeTestCerts(dir)
  const seen: Seen = {secured: 0, requests: []}
  let secondSecured: () => void = () => {}
  const twoSecured = new Promise<void>((resolve) => {
    secondSecured = resolve
  })
  const server = tls.createServer({cert: readFileSync(certs.serverCert), key: readFileSync(certs.serverKey)}, (peer) => {
    const connection = ++seen.secured
    peer.on('error', () => {})
    if (connection === 2) secondSecured()
    if (connection === dropConnection) {
      peer.destroy()
      return
    }
    let buffered = ''
    peer.on('data', async (chunk: Buffer) => {
      buffered += chunk.toString('latin1')
      const end = buffered.indexOf('\r\n\r\n')
      if (end === -1) return
      const line = buffered.slice(0, buffered.indexOf('\r\n'))
      const length = Number(/content-length: (\d+)/i.exec(buffered.slice(0, end))?.[1] ?? 0)
      if (buffered.length < end + 4 + length) return
      buffered = buffered.slice(end + 4 + length)
      const entry = {line, connection, securedThen: seen.secured}
      seen.requests.push(entry)
      if (line.includes('/_ping')) await Promise.race([twoSecured, new Promise((resolve) => setTimeout(resolve, 3000))])
      entry.securedThen = seen.secured
      if (line.includes('/start')) {
        peer.end('HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n')
        return
      }
      peer.write('HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  const port = (server.address() as net.AddressInfo).port
  const host: DockerHost = {kind: 'tcp', hostname: '127.0.0.1', port, url: `tcp://127.0.0.1:${port}`, tls: {verify: true, ca: readFileSync(certs.ca)}}
  return {host, seen}
}

t.test('TLS: the hijack\'s connection is secured while the ping waits, and the hijack goes over it', async (t) => {
  const {host, seen} = await startDaemon(t)
  const api = await DockerApi.connect(host, {}, {hijackAhead: true})
  t.teardown(() => api.close())
  t.equal(seen.requests[0]?.securedThen, 2, 'the second connection was secured before the ping was answered')
  await api.inspectContainer('c')
  const {socket} = await api.startExec('e', false)
  socket.destroy()
  t.same(seen.requests.map((r) => [r.line.split(' ')[1], r.connection]), [
    ['/_ping', 1],
    ['/v1.41/containers/c/json', 1],
    ['/v1.41/exec/e/start', 2],
  ], 'ping and inspect share the first connection; the hijack takes the one dialed ahead')
  t.equal(seen.secured, 2, 'no third connection')
})

t.test('TLS: without hijackAhead nothing is dialed ahead (the ping waits out the daemon\'s 3 s)', async (t) => {
  const {host, seen} = await startDaemon(t)
  const api = await DockerApi.connect(host, {})
  t.teardown(() => api.close())
  t.equal(seen.requests[0]?.securedThen, 1, 'only the ping\'s connection existed when it was answered')
})

t.test('TLS: a connection dialed ahead that the daemon closed is replaced by a fresh dial', async (t) => {
  const {host, seen} = await startDaemon(t, 2)
  const api = await DockerApi.connect(host, {}, {hijackAhead: true})
  t.teardown(() => api.close())
  await new Promise((resolve) => setTimeout(resolve, 100)) // the close reaches us
  const {socket} = await api.startExec('e', false)
  socket.destroy()
  const start = seen.requests.find((r) => r.line.includes('/start'))
  t.equal(start?.connection, 3, 'the hijack went over a third, fresh connection')
})

t.test('ssh: later connections start once the master\'s control socket exists, before the master answers', async (t) => {
  // A stand-in `ssh`: the master makes its control socket at once and answers only 1.5 s later; every
  // run logs when it started and in which role.
  const dir = mkdtempSync('/tmp/hj-spare-ssh-')
  t.teardown(() => rmSync(dir, {recursive: true, force: true}))
  mkdirSync(join(dir, 'bin'))
  const log = join(dir, 'log')
  writeFileSync(join(dir, 'bin', 'ssh'), `#!/bin/sh
role=client; path=
for a in "$@"; do
  case $a in ControlMaster=yes) role=master ;; ControlPath=*) path=\${a#ControlPath=} ;; esac
done
echo "$role $(date +%s%N)" >> ${log}
if [ $role = master ]; then : > "$path"; sleep 1.5; fi
echo answer
exec cat >/dev/null
`)
  chmodSync(join(dir, 'bin', 'ssh'), 0o755)
  const path = process.env.PATH
  process.env.PATH = `${join(dir, 'bin')}:${path}`
  t.teardown(() => {
    process.env.PATH = path
    closeSshConnections()
  })
  const host: DockerHost = {kind: 'ssh', hostname: 'example.invalid', url: 'ssh://example.invalid'}
  const started = Date.now()
  const master = dialSsh(host)
  const client = dialSsh(host)
  const firstAnswer = (socket: net.Socket): Promise<number> => new Promise((resolve) => socket.once('data', () => resolve(Date.now() - started)))
  const [masterMs, clientMs] = await Promise.all([firstAnswer(master), firstAnswer(client)])
  t.comment(`master answered after ${masterMs} ms, the second connection after ${clientMs} ms`)
  const roles = readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split(' ')[0])
  t.same(roles, ['master', 'client'], 'one master, one client riding on it')
  t.ok(masterMs >= 1400, 'the master answered late, as set up')
  t.ok(clientMs < masterMs, 'the second connection did not wait for the master\'s answer')
  master.destroy()
  client.destroy()
})
