import type {Socket} from 'node:net'
import {dialSoon, prepareHijackedSocket} from './dial.js'
import {DaemonError} from './errors.js'
import type {DockerHost} from './host.js'
import {plainHttpToTlsPort} from './tls-errors.js'
import {daemonError, exchange, formatRequest, isSuccess, type RequestOptions} from './request.js'

export interface Hijacked {
  /** The raw connection, not yet flowing, with the bytes read past the response head already put back in front. */
  socket: Socket
  /** The 101 answer's headers, names lower-cased. */
  headers: Record<string, string>
}

/**
 * Sends an upgrade request on a fresh connection (never a kept-alive one: `dialed` is one that was dialed
 * ahead for this and never used) and takes the connection over once the daemon answers 101. Any other
 * answer is an error carrying the daemon's own message (Docker says only "received 409").
 */
export async function hijack(host: DockerHost, options: RequestOptions, dialed?: Socket): Promise<Hijacked> {
  const upgrade = {...options, headers: {...options.headers, Connection: 'Upgrade', Upgrade: 'tcp'}}
  const request = formatRequest(host, upgrade) // a bad request line throws before anything is dialed
  const socket = dialed ?? await dialSoon(host)
  const {head, body} = await exchange(host, socket, request, upgrade, {reused: false, onUpgrade: prepareHijackedSocket})
  if (head.statusCode === 101) return {socket, headers: head.headers}
  if (isSuccess(head.statusCode)) {
    // Some daemons hijack without upgrading. We asked for an upgrade; a 200 means the peer does not
    // speak the protocol we rely on for half-close, so refuse clearly instead of guessing.
    socket.destroy()
    throw new DaemonError(head.statusCode,
      `the daemon answered ${head.statusCode} instead of 101 Switching Protocols: the connection was not upgraded`)
  }
  const error = await daemonError(head, body)
  throw plainHttpToTlsPort(host, error) ?? error
}
