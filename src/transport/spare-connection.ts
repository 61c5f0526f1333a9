// A connection dialed ahead for a hijack that will come, where a dial is costly (a TLS handshake; over
// ssh a remote session and `docker system dial-stdio`): its set-up then overlaps the calls before the
// hijack (ping, inspect, exec create) instead of following them. The Docker CLI dials its hijack only
// when it sends it, so over ssh it pays two session set-ups one after the other.
import type {Socket} from 'node:net'
import {dial} from './dial.js'
import type {DockerHost} from './host.js'

export class SpareConnection {
  private socket: Socket | undefined
  /** A failure while waiting is kept quiet: the hijack then dials afresh and reports its own error. */
  private readonly ignore = (): void => {}

  constructor(host: DockerHost) {
    const socket = dial(host)
    socket.on('error', this.ignore)
    socket.unref() // unused (the exec was never created), it must not keep the process alive
    this.socket = socket
  }

  /** The connection, once, if it is still open both ways; undefined otherwise. */
  take(): Socket | undefined {
    const socket = this.socket
    this.socket = undefined
    if (!socket) return undefined
    socket.off('error', this.ignore)
    if (socket.destroyed || !socket.readable || !socket.writable) {
      socket.destroy()
      return undefined
    }
    socket.ref()
    return socket
  }

  close(): void {
    this.socket?.destroy()
    this.socket = undefined
  }
}
