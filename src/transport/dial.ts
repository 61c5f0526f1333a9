import net from 'node:net'
import type {DockerHost} from './host.js'

/** Docker's dialer gives up after 32 s; so do we, instead of the kernel's minutes. */
export const CONNECT_TIMEOUT_MS = 32_000
/** Same period as the Docker CLI's hijacked connections (moby client/hijack.go). */
export const KEEPALIVE_MS = 30_000

/** Opens a fresh connection to the daemon: never pooled, never proxied. */
export function dial(host: DockerHost): net.Socket {
  const socket =
    host.kind === 'unix'
      ? net.connect({path: host.path})
      : net.connect({host: host.hostname, port: host.port, keepAlive: true, keepAliveInitialDelay: KEEPALIVE_MS})
  socket.setNoDelay(true)
  socket.setTimeout(CONNECT_TIMEOUT_MS, () => {
    const error = Object.assign(new Error('connect timed out'), {code: 'ETIMEDOUT'})
    socket.destroy(error)
  })
  socket.once('connect', () => socket.setTimeout(0))
  return socket
}

/** What a hijacked socket needs: no inactivity timeout, no Nagle delay, keepalive on TCP. */
export function prepareHijackedSocket(socket: net.Socket): void {
  socket.setTimeout(0)
  socket.setNoDelay(true)
  socket.setKeepAlive(true, KEEPALIVE_MS) // a no-op on unix sockets
}
