import net from 'node:net'
import type tls from 'node:tls'
import type {DockerHost} from './host.js'
import {lazyBuiltin} from './lazy-builtin.js'
import {dialSsh, dialSshSoon, sshFailureOr} from './ssh.js'

const tlsModule = lazyBuiltin<typeof tls>('node:tls')

/** Docker's dialer gives up after 32 s; so do we, instead of the kernel's minutes. */
export const CONNECT_TIMEOUT_MS = 32_000
/**
 * Same period as the Docker CLI's hijacked TCP connections (moby client/hijack.go). Docker forgets its
 * TLS connections, which keep Go's 15 s (docker/for-linux#853); ours get 30 s too.
 */
export const KEEPALIVE_MS = 30_000

/** Where a dial costs a handshake (TLS) or a remote process (ssh's `docker system dial-stdio`). */
export const costlyDial = (host: DockerHost): boolean => host.kind === 'ssh' || (host.kind === 'tcp' && host.tls !== undefined)

/** Opens a fresh connection to the daemon: never pooled, never proxied. */
export function dial(host: DockerHost): net.Socket {
  if (host.kind === 'ssh') return dialSsh(host) // ssh has its own 30 s ConnectTimeout
  const socket =
    host.kind === 'unix'
      ? net.connect({path: host.path})
      : host.tls
        ? dialTls(host, host.tls)
        : net.connect({host: host.hostname, port: host.port, keepAlive: true, keepAliveInitialDelay: KEEPALIVE_MS})
  socket.setNoDelay(true)
  socket.setTimeout(CONNECT_TIMEOUT_MS, () => {
    const error = Object.assign(new Error('connect timed out'), {code: 'ETIMEDOUT'})
    socket.destroy(error)
  })
  socket.once(host.kind === 'tcp' && host.tls ? 'secureConnect' : 'connect', () => socket.setTimeout(0))
  return socket
}

/**
 * dial(), except that over ssh a connection waits, while the run's master is starting, to learn
 * whether it can be a channel forwarded by the master rather than a dial-stdio stream.
 */
export async function dialSoon(host: DockerHost): Promise<net.Socket> {
  return host.kind === 'ssh' ? dialSshSoon(host) : dial(host)
}

/** A failed connection's error; over ssh, the failure of the ssh connection under it if that ended. */
export function explainConnectFailure(host: DockerHost, error: Error): Promise<Error> {
  return host.kind === 'ssh' ? sshFailureOr(host, error) : Promise.resolve(error)
}

function dialTls(host: Extract<DockerHost, {kind: 'tcp'}>, config: NonNullable<Extract<DockerHost, {kind: 'tcp'}>['tls']>): tls.TLSSocket {
  // Keepalive is set on the TCP connection underneath, where it takes effect.
  const tcp = net.connect({host: host.hostname, port: host.port, keepAlive: true, keepAliveInitialDelay: KEEPALIVE_MS})
  return tlsModule().connect({
    socket: tcp,
    host: host.hostname, // the name the certificate is checked against
    ...(net.isIP(host.hostname) === 0 && {servername: host.hostname}), // SNI takes names only
    ca: config.ca,
    cert: config.cert,
    key: config.key,
    rejectUnauthorized: config.verify,
    minVersion: 'TLSv1.2', // Docker's minimum
  })
}

/** Whether a connection kept for later can still carry a request and its answer. */
export function openBothWays(socket: net.Socket): boolean {
  return !socket.destroyed && socket.readable && socket.writable
}

/** What a hijacked socket needs: no inactivity timeout, no Nagle delay, keepalive on TCP. */
export function prepareHijackedSocket(socket: net.Socket): void {
  socket.setTimeout(0)
  socket.setNoDelay(true)
  socket.setKeepAlive(true, KEEPALIVE_MS) // a no-op on unix sockets
}
