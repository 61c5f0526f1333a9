// The mock's HTTP server on raw sockets: each connection's requests in order until it closes or is
// hijacked, heads read within the limits, and every connection cut at shutdown. It knows no endpoint:
// the request handler comes in from outside (index.ts wires the API to it).
import type {EventEmitter} from 'node:events'
import type {Socket} from 'node:net'
import {ApiError} from './api-error.js'
import {closeNow, endThenClose, ignore} from './close.js'
import {DaemonRequest, type RequestHandler, type RequestServer} from './daemon-request.js'
import {parseRequestHead, type RequestHead, SocketReader} from './request-reader.js'
import {COMMON_HEADERS, jsonBody, responseHead} from './response.js'

export interface RequestRecord {
  method: string
  path: string
  status: number
  durationMs: number
}

export interface ConnectionOptions {
  handler: RequestHandler
  maxHeaderSize: number
  maxBodySize: number
  headTimeoutMs: number
  /** Gets 'request' (RequestRecord) for every answered request. */
  events: EventEmitter
  log?: (line: string) => void
}

export class ConnectionServer implements RequestServer {
  private readonly sockets = new Set<Socket>()
  private closing = false
  /** One 'close' listener shared by every connection (`this` is the socket): no closure per connection. */
  private readonly forgetSocket: (this: Socket) => void

  constructor(private readonly options: ConnectionOptions) {
    const sockets = this.sockets
    this.forgetSocket = function (this: Socket) {
      sockets.delete(this)
    }
  }

  get maxBodySize(): number {
    return this.options.maxBodySize
  }

  /** Serves one connection: requests in order until it closes or is hijacked. Never throws. */
  handleConnection(socket: Socket): void {
    if (this.closing) {
      closeNow(socket)
      return
    }
    this.sockets.add(socket)
    socket.on('error', ignore) // a client's reset is its business, never the daemon's crash
    socket.on('close', this.forgetSocket)
    this.serve(socket).catch(() => closeNow(socket))
  }

  private async serve(socket: Socket): Promise<void> {
    const reader = new SocketReader(socket)
    const {maxHeaderSize, headTimeoutMs, handler} = this.options
    for (let fresh = true; ; fresh = false) {
      let head: RequestHead
      try {
        const raw = await reader.readHead(maxHeaderSize, headTimeoutMs, fresh)
        if (!raw) {
          socket.end()
          return
        }
        head = parseRequestHead(raw)
      } catch (error) {
        // The connection cannot be trusted past a bad head: answer and close.
        const api = error instanceof ApiError ? error : new ApiError(400, 'malformed request')
        this.logRequest('-', '-', api.status, 0)
        if (!socket.destroyed) {
          const body = jsonBody({message: api.message})
          const answer = responseHead(api.status, {...COMMON_HEADERS, 'Content-Type': 'application/json', 'Content-Length': body.length, Connection: 'close'})
          reader.detach()
          endThenClose(socket, Buffer.concat([answer, body]))
        }
        return
      }
      const request = new DaemonRequest(this, socket, reader, head)
      // Resolves at the hijack for a streaming request: this loop ends there instead of waiting out the session.
      await request.run(handler)
      if (request.hijacked || !request.reusable || socket.destroyed) return
    }
  }

  logRequest(method: string, path: string, status: number, durationMs: number): void {
    const record: RequestRecord = {method, path, status, durationMs}
    this.options.events.emit('request', record)
    this.options.log?.(`${method} ${path} ${status} ${durationMs.toFixed(1)}ms`)
  }

  /** Refuses new connections and cuts every open one (their sessions end with them). */
  closeAll(): void {
    this.closing = true
    for (const socket of this.sockets) closeNow(socket)
  }
}
