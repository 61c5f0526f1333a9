import type {Socket} from 'node:net'
import {costlyDial, dialSoon, explainConnectFailure, openBothWays} from './dial.js'
import {ConnectError, DaemonError, HijackError, StreamError} from './errors.js'
import type {DockerHost} from './host.js'
import {ResponseParser, type ResponseHead} from './http-response.js'
import {describeTlsError, plainHttpToTlsPort} from './tls-errors.js'

export interface RequestOptions {
  method: string
  path: string
  /** Sent as JSON with a Content-Length; omitted entirely when undefined (attach must carry no body). */
  body?: unknown
  headers?: Record<string, string>
  /** The most body a 2xx answer may have (default MAX_BODY); error answers are read up to MAX_ERROR_BODY. */
  maxBody?: number
  /**
   * Whether the request may be sent again on a fresh connection when a kept-alive one turns out to have
   * been closed before any answer came. True by default for GET and HEAD only, as in Go's client.
   */
  retry?: boolean
}

export interface Response extends ResponseHead {
  body: Buffer
}

/** A 2xx answer whose body may still be arriving. */
export interface PendingResponse extends ResponseHead {
  /** The whole body; rejects if it is larger than allowed or cut before its end. */
  body(): Promise<Buffer>
}

/** Bodies of error answers are read up to this size: enough for any message, bounded against a bad peer. */
export const MAX_ERROR_BODY = 64 * 1024
/** Plain API answers (inspect, ping, wait) are small; refuse anything absurd rather than buffer it. */
export const MAX_BODY = 16 * 1024 * 1024

/** Docker's Host values: a dummy name for unix sockets and ssh (the daemon ignores it), host:port for tcp. */
function hostHeader(host: DockerHost): string {
  if (host.kind === 'unix') return 'api.moby.localhost'
  if (host.kind === 'ssh') return 'docker.example.com'
  return `${host.hostname.includes(':') ? `[${host.hostname}]` : host.hostname}:${host.port}`
}

/** The request's bytes: head and JSON body in one buffer, so it leaves in one write. */
export function formatRequest(host: DockerHost, options: RequestOptions): Buffer {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body)
  const headers: Record<string, string> = {
    Host: hostHeader(host),
    'User-Agent': 'hijack',
    ...options.headers,
  }
  if (payload !== undefined) {
    headers['Content-Type'] = 'application/json'
    headers['Content-Length'] = String(Buffer.byteLength(payload))
  } else if (options.method === 'POST' || options.method === 'PUT' || options.method === 'PATCH') {
    headers['Content-Length'] = '0' // as Go's client sends: some proxies refuse a POST without a length (411)
  }
  if (!/^[A-Z]+$/.test(options.method) || !/^\/[\x21-\x7e]*$/.test(options.path)) {
    throw new TypeError(`not a valid request line: ${JSON.stringify(`${options.method} ${options.path}`)}`)
  }
  let head = `${options.method} ${options.path} HTTP/1.1\r\n`
  for (const [name, value] of Object.entries(headers)) {
    if (/[\r\n]/.test(name + value)) throw new TypeError(`header ${name} contains a line break`)
    head += `${name}: ${value}\r\n`
  }
  return Buffer.from(`${head}\r\n${payload ?? ''}`)
}

/** Maps a socket-level failure before any answer to the Docker CLI's wording. */
export function connectionError(host: DockerHost, error: NodeJS.ErrnoException): Error {
  if (error instanceof HijackError) return error // already in plain words (ssh's stderr, for one)
  const tlsError = describeTlsError(host, error)
  if (tlsError) return tlsError
  const code = error.code
  if (code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'EACCES' || code === 'ETIMEDOUT' ||
      code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' ||
      code === 'ENOTSOCK' || code === 'ECONNRESET' || code === 'EPIPE') {
    return new ConnectError(host.url, code)
  }
  return error
}

/** The daemon's `{"message": ...}`, or the raw text when the body is not that shape. */
export function daemonMessage(head: Pick<ResponseHead, 'statusCode' | 'statusText'>, body: Buffer): string {
  const text = body.toString('utf8').trim()
  try {
    const parsed = JSON.parse(text) as {message?: unknown}
    if (parsed && typeof parsed.message === 'string') return parsed.message
  } catch {
    // not JSON: fall through to the raw text
  }
  return text || `${head.statusCode} ${head.statusText || 'unknown status'}`.trim()
}

export const isSuccess = (statusCode: number): boolean => statusCode >= 200 && statusCode < 300

/** An error answer as DaemonError, with the daemon's message when its body can be read. */
export async function daemonError(head: ResponseHead, body: Promise<Buffer>): Promise<DaemonError> {
  try {
    return new DaemonError(head.statusCode, daemonMessage(head, await body))
  } catch (error) {
    return new DaemonError(head.statusCode, (error as Error).message)
  }
}

/** A kept-alive connection was found closed before it answered; the request can go again on a fresh one. */
class StaleConnection extends Error {}

/** Whether a request may be sent twice: GET and HEAD, or what the caller marks so (as Go's client decides). */
const isRepeatable = (options: RequestOptions): boolean => options.retry ?? (options.method === 'GET' || options.method === 'HEAD')

export interface Exchange {
  head: ResponseHead
  body: Promise<Buffer>
}

interface ExchangeOptions {
  /** The socket has carried earlier requests (a failure before any answer may then be a stale connection). */
  reused: boolean
  /** Stop at a 101 and hand the socket over, paused, with any bytes past the head put back in front. */
  onUpgrade?: (socket: Socket) => void
  /** The answer is complete and the connection can carry another request. */
  onReusable?: (socket: Socket) => void
}

/**
 * Writes one request (`request`, from formatRequest) on `socket` and resolves with the answer's head;
 * the body keeps arriving into `body`. Failures before the head reject (in Docker's words when the
 * connection itself failed).
 */
export function exchange(host: DockerHost, socket: Socket, request: Buffer, options: RequestOptions, how: ExchangeOptions): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    let received = 0
    let head: ResponseHead | undefined
    let limit = options.maxBody ?? MAX_BODY
    const chunks: Buffer[] = []
    let size = 0
    let bodyDone: (body: Buffer) => void = () => {}
    let bodyFailed: (error: Error) => void = () => {}
    const body = new Promise<Buffer>((res, rej) => {
      bodyDone = res
      bodyFailed = rej
    })
    body.catch(() => {}) // callers that only need the head must not leave an unhandled rejection

    const detach = (): void => {
      socket.off('data', onData)
      socket.off('end', onEnd)
      socket.off('error', onError)
      socket.off('close', onEnd)
    }
    const fail = (error: Error): void => {
      detach()
      socket.destroy()
      if (head) bodyFailed(error)
      else reject(error)
    }
    const parser = new ResponseParser(options.method, {
      head(h) {
        head = h
        if (h.statusCode === 101 && how.onUpgrade) return 'stop'
        if (!isSuccess(h.statusCode)) limit = MAX_ERROR_BODY
        resolve({head: h, body})
      },
      body(data) {
        size += data.length
        if (size > limit) throw new StreamError(`the daemon's answer is larger than ${limit} bytes`)
        chunks.push(data)
      },
      complete(extra) {
        detach()
        if (head?.statusCode === 101 && how.onUpgrade) {
          // Bytes that arrived with the response head are the first bytes of the stream (moby#36516).
          socket.pause()
          if (extra.length > 0) socket.unshift(extra)
          // Paused only until someone reads: a 'data' listener or a pipe starts it, as with Node's own upgrade.
          const handedOver: {readableFlowing: boolean | null} = socket
          handedOver.readableFlowing = null
          how.onUpgrade(socket)
          resolve({head, body})
          bodyDone(Buffer.alloc(0))
          return
        }
        // After a 101 the connection no longer speaks HTTP, whoever asked for it.
        const reusable = head!.keepAlive && head!.statusCode !== 101 && extra.length === 0 && !parser.endsAtClose
        if (reusable && how.onReusable) how.onReusable(socket)
        else socket.destroy()
        bodyDone(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks))
      },
    })
    function onData(data: Buffer): void {
      received += data.length
      try {
        parser.feed(data)
      } catch (error) {
        fail(error as Error)
      }
    }
    const retryable = isRepeatable(options)
    function onEnd(): void {
      if (!parser.complete) parser.end()
      if (parser.complete) return
      if (received === 0 && how.reused && retryable) fail(new StaleConnection())
      else if (received === 0) fail(new ConnectError(host.url, 'ECONNRESET'))
      else fail(new StreamError("the daemon's answer was cut before its end"))
    }
    function onError(error: NodeJS.ErrnoException): void {
      if (received === 0 && how.reused && retryable) fail(new StaleConnection())
      else if (received === 0) fail(connectionError(host, error))
      else if (error instanceof HijackError) fail(error) // ssh's own words
      else fail(new StreamError(`the daemon's answer broke off: ${error.message}`))
    }
    socket.on('data', onData)
    socket.on('end', onEnd)
    socket.on('close', onEnd)
    socket.on('error', onError)
    socket.write(request)
  })
}

/**
 * Requests to one daemon over kept-alive connections: a run's ping, inspect and exit-code calls share
 * one connection instead of dialing three, as the Docker CLI's do. Requests that may not be sent twice
 * (most POSTs) dial their own. Idle connections do not keep the process alive. Hijacks never come
 * from here (they always dial afresh).
 */
export class HttpClient {
  /** Idle connections, each with the listener that drops it if it speaks, ends or fails while idle. */
  private readonly idle = new Map<Socket, () => void>()
  private closed = false

  constructor(readonly host: DockerHost) {}

  /** Resolves once a 2xx head has arrived, leaving the body to read; other statuses reject with DaemonError. */
  async send(options: RequestOptions): Promise<PendingResponse> {
    const request = formatRequest(this.host, options) // a bad request line throws before anything is dialed
    let answer: Exchange
    try {
      answer = await this.exchange(request, options)
    } catch (error) {
      // Over ssh, a connection lost along with the ssh connection under it is explained by ssh's failure.
      throw error instanceof ConnectError ? await explainConnectFailure(this.host, error) : error
    }
    const {head, body} = answer
    if (!isSuccess(head.statusCode)) {
      const error = await daemonError(head, body)
      throw plainHttpToTlsPort(this.host, error) ?? error
    }
    return {...head, body: () => body}
  }

  private async exchange(request: Buffer, options: RequestOptions): Promise<Exchange> {
    // A kept-alive connection can be closed by the daemon just as we send on it, and Node may tell us so
    // only after our write. Only a request that may go twice takes that chance; the others dial afresh.
    // Where a dial is costly (a TLS handshake; over ssh a remote `docker system dial-stdio` process)
    // any request takes an idle connection, as Go's client does: a run's calls come milliseconds apart.
    const reused = isRepeatable(options) || costlyDial(this.host) ? this.takeIdle() : undefined
    try {
      return await this.exchangeOn(reused ?? await dialSoon(this.host), request, options, reused !== undefined)
    } catch (error) {
      if (!(error instanceof StaleConnection)) throw error
      return this.exchangeOn(await dialSoon(this.host), request, options, false)
    }
  }

  /** Sends one request and reads the whole answer; non-2xx statuses become DaemonError. */
  async request(options: RequestOptions): Promise<Response> {
    const res = await this.send(options)
    return {...res, body: await res.body()}
  }

  /** `request` plus JSON decoding of the answer. */
  async requestJson<T>(options: RequestOptions): Promise<T> {
    const res = await this.request(options)
    return parseJson<T>(res.body, `${options.method} ${options.path}`)
  }

  /** Closes the idle connections (those in use close when their answer ends). */
  close(): void {
    this.closed = true
    for (const socket of this.idle.keys()) socket.destroy()
    this.idle.clear()
  }

  private exchangeOn(socket: Socket, request: Buffer, options: RequestOptions, reused: boolean): Promise<Exchange> {
    socket.ref()
    return exchange(this.host, socket, request, options, {reused, onReusable: (s) => this.release(s)})
  }

  private takeIdle(): Socket | undefined {
    for (const [socket, drop] of this.idle) {
      this.idle.delete(socket)
      socket.off('data', drop).off('end', drop).off('close', drop).off('error', drop)
      if (openBothWays(socket)) return socket
      socket.destroy()
    }
    return undefined
  }

  private release(socket: Socket): void {
    if (this.closed) {
      socket.destroy()
      return
    }
    const drop = (): void => {
      this.idle.delete(socket)
      socket.destroy()
    }
    // An idle connection that speaks, ends or fails is of no more use.
    socket.on('data', drop).on('end', drop).on('close', drop).on('error', drop)
    socket.unref()
    this.idle.set(socket, drop)
  }
}

/** Sends one request on a connection of its own and reads the whole answer; non-2xx become DaemonError. */
export async function request(host: DockerHost, options: RequestOptions): Promise<Response> {
  const client = new HttpClient(host)
  try {
    return await client.request(options)
  } finally {
    client.close()
  }
}

export function parseJson<T>(body: Buffer, what: string): T {
  if (body.length === 0) return undefined as T
  try {
    return JSON.parse(body.toString('utf8')) as T
  } catch {
    throw new StreamError(`invalid JSON from the daemon for ${what}`)
  }
}
