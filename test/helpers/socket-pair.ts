// Connected socket pairs for session tests without subprocesses: the far end plays the daemon. Over a
// unix socket, TCP loopback, or TLS over TCP loopback (Node's TLSSocket on both ends).
import {readFileSync} from 'node:fs'
import net from 'node:net'
import {join} from 'node:path'
import tls from 'node:tls'
import t, {type Test} from 'tap'
import {tempDir} from './temp.js'
import {makeTestCerts, type TestCerts} from './tls-certs.js'

export type PairKind = 'unix' | 'tcp' | 'tls'

const root = t
let certs: TestCerts | undefined
/** The TLS material, made once for the whole file (openssl takes about a second). */
function tlsCerts(): TestCerts {
  certs ??= makeTestCerts(tempDir(root, 'hj-session-tls-'))
  return certs
}

/**
 * A connected pair over unix, TCP loopback or TLS over TCP loopback (Node's TLSSocket on both ends, the
 * handshake done): `client` is ours, `daemon` plays the daemon. Both go at teardown.
 */
export async function socketPair(t: Test, kind: PairKind = 'unix'): Promise<{client: net.Socket; daemon: net.Socket}> {
  if (kind === 'tls') return tlsPair(t)
  const server = net.createServer()
  const path = kind === 'unix' ? join(tempDir(t, 'hj-session-'), 's.sock') : undefined
  await new Promise<void>((resolve) => (path ? server.listen(path, resolve) : server.listen(0, '127.0.0.1', resolve)))
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve))
  const client = path ? net.connect(path) : net.connect((server.address() as net.AddressInfo).port, '127.0.0.1')
  await new Promise((resolve) => client.once('connect', resolve))
  return ownedPair(t, server, client, await accepted)
}

async function tlsPair(t: Test): Promise<{client: net.Socket; daemon: net.Socket}> {
  const c = tlsCerts()
  const server = tls.createServer({cert: readFileSync(c.serverCert), key: readFileSync(c.serverKey)})
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const accepted = new Promise<tls.TLSSocket>((resolve) => server.once('secureConnection', resolve))
  const client = tls.connect({host: '127.0.0.1', port: (server.address() as net.AddressInfo).port, ca: readFileSync(c.ca)})
  await new Promise((resolve) => client.once('secureConnect', resolve))
  return ownedPair(t, server, client, await accepted)
}

/** The pair, with its ends and its server going at teardown. */
function ownedPair(t: Test, server: net.Server, client: net.Socket, daemon: net.Socket): {client: net.Socket; daemon: net.Socket} {
  daemon.on('error', () => {})
  t.teardown(() => {
    client.destroy()
    daemon.destroy()
    return new Promise((resolve) => server.close(resolve))
  })
  return {client, daemon}
}

/** Makes the socket's Nth write (1-based) fail as a write to a peer that has gone fails. */
export function failNthWrite(socket: net.Socket, n: number, code = 'EPIPE'): {writes: () => number} {
  let writes = 0
  const fail = (callback: (error?: Error | null) => void): void => {
    const error = Object.assign(new Error(`write ${code}`), {code, syscall: 'write'})
    process.nextTick(callback, error)
  }
  const write = socket._write
  socket._write = function (chunk: unknown, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (++writes === n) fail(callback)
    else write.call(this, chunk, encoding, callback)
  }
  const writev = socket._writev
  if (writev) {
    socket._writev = function (chunks: Array<{chunk: unknown; encoding: BufferEncoding}>, callback: (error?: Error | null) => void): void {
      if (++writes === n) fail(callback)
      else writev.call(this, chunks, callback)
    }
  }
  return {writes: () => writes}
}

