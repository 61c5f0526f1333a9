import type {IncomingHttpHeaders} from 'node:http'
import type {Socket} from 'node:net'
import {prepareHijackedSocket} from './dial.js'
import {DaemonError} from './errors.js'
import type {DockerHost} from './host.js'
import {MAX_ERROR_BODY, buildRequest, connectionError, daemonMessage, readBody, type RequestOptions} from './request.js'

export interface Hijacked {
  /** The raw connection, paused, with the bytes read past the response head already put back in front. */
  socket: Socket
  headers: IncomingHttpHeaders
}

/**
 * Sends an upgrade request and takes over the connection once the daemon answers 101.
 * Any other answer is an error carrying the daemon's own message (Docker says only "received 409").
 */
export function hijack(host: DockerHost, options: RequestOptions): Promise<Hijacked> {
  return new Promise((resolve, reject) => {
    const req = buildRequest(host, {
      ...options,
      headers: {...options.headers, Connection: 'Upgrade', Upgrade: 'tcp'},
    })
    req.on('error', (error: NodeJS.ErrnoException) => reject(connectionError(host, error)))
    // Node emits 'upgrade' only for a 101; every other answer arrives as 'response'.
    req.on('upgrade', (res, socket: Socket, head: Buffer) => {
      prepareHijackedSocket(socket)
      // Bytes that arrived with the response head are the first bytes of the stream (moby#36516).
      if (head.length > 0) socket.unshift(head)
      resolve({socket, headers: res.headers})
    })
    req.on('response', (res) => {
      const statusCode = res.statusCode ?? 0
      if (statusCode >= 200 && statusCode < 300) {
        // Some daemons hijack without upgrading. We asked for an upgrade; a 200 means the peer does not
        // speak the protocol we rely on for half-close, so refuse clearly instead of guessing.
        res.destroy()
        reject(new DaemonError(statusCode,
          `the daemon answered ${statusCode} instead of 101 Switching Protocols: the connection was not upgraded`))
        return
      }
      readBody(res, MAX_ERROR_BODY).then(
        (body) => reject(new DaemonError(statusCode, daemonMessage(statusCode, body))),
        (error) => reject(new DaemonError(statusCode, String(error.message ?? error))),
      )
    })
  })
}
