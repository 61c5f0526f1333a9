// A connection dialed ahead for a hijack that will come, where a dial is costly (a TLS handshake; over
// ssh a forwarded channel once the master is up, see ssh-forward): its set-up then overlaps the calls
// before the hijack (ping, inspect, exec create) instead of following them. The Docker CLI dials its
// hijack only when it sends it.
import type {Socket} from 'node:net'
import {dialSoon, openBothWays} from './dial.js'
import type {DockerHost} from './host.js'

export class SpareConnection {
  private socket: Promise<Socket | undefined> | undefined
  private closed = false
  /** A failure while waiting is kept quiet: the hijack then dials afresh and reports its own error. */
  private readonly ignore = (): void => {}

  constructor(host: DockerHost) {
    const dialed = dialSoon(host)
    this.socket = dialed.then((socket) => {
      socket.on('error', this.ignore)
      socket.unref() // unused (the exec was never created), it must not keep the process alive
      if (this.closed) socket.destroy()
      return socket
    }, () => undefined)
  }

  /** The connection, once, if it is still open both ways; undefined otherwise. */
  async take(): Promise<Socket | undefined> {
    const pending = this.socket
    this.socket = undefined
    const socket = await pending
    if (!socket) return undefined
    socket.off('error', this.ignore)
    if (!openBothWays(socket)) {
      socket.destroy()
      return undefined
    }
    socket.ref()
    return socket
  }

  close(): void {
    this.closed = true
    void this.socket?.then((socket) => socket?.destroy())
    this.socket = undefined
  }
}
