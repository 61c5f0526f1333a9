import http from 'node:http'
import {dial} from './dial.js'
import {ConnectError, DaemonError, StreamError} from './errors.js'
import type {DockerHost} from './host.js'

export interface RequestOptions {
  method: string
  path: string
  /** Sent as JSON with a Content-Length; omitted entirely when undefined (attach must carry no body). */
  body?: unknown
  headers?: Record<string, string>
}

export interface Response {
  statusCode: number
  headers: http.IncomingHttpHeaders
  body: Buffer
}

/** Bodies of error answers are read up to this size: enough for any message, bounded against a bad peer. */
export const MAX_ERROR_BODY = 64 * 1024
/** Plain API answers (inspect, ping, wait) are small; refuse anything absurd rather than buffer it. */
const MAX_BODY = 16 * 1024 * 1024

/**
 * Builds a one-shot request on its own freshly dialed socket, parsed by Node's http machinery.
 * No agent: the socket lives for this request only.
 */
export function buildRequest(host: DockerHost, options: RequestOptions): http.ClientRequest {
  const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body))
  const headers: Record<string, string> = {
    Host: host.kind === 'unix' ? 'api.moby.localhost' : `${host.hostname}:${host.port}`,
    'User-Agent': 'hijack',
    ...options.headers,
  }
  if (payload) {
    headers['Content-Type'] = 'application/json'
    headers['Content-Length'] = String(payload.length)
  }
  const req = http.request({
    method: options.method,
    path: options.path,
    headers,
    setHost: false,
    createConnection: () => dial(host),
  })
  req.end(payload)
  return req
}

/** Maps a socket-level failure before any answer to the Docker CLI's wording. */
export function connectionError(host: DockerHost, error: NodeJS.ErrnoException): Error {
  const code = error.code
  if (code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'EACCES' || code === 'ETIMEDOUT' ||
      code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' ||
      code === 'ENOTSOCK' || code === 'ECONNRESET' || code === 'EPIPE') {
    return new ConnectError(host.url, code)
  }
  return error
}

/**
 * Reads a whole body up to `limit` bytes. A body over the limit, or one cut before its end, is an
 * error: a short answer must never pass for a complete one.
 */
export function readBody(res: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let settled = false
    const fail = (message: string): void => {
      if (settled) return
      settled = true
      res.destroy()
      reject(new StreamError(message))
    }
    res.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) fail(`the daemon's answer is larger than ${limit} bytes`)
      else chunks.push(chunk)
    })
    res.on('end', () => {
      if (settled) return
      settled = true
      resolve(Buffer.concat(chunks))
    })
    res.on('error', (error) => fail(`the daemon's answer broke off: ${error.message}`))
    res.on('close', () => {
      if (!res.complete) fail("the daemon's answer was cut before its end")
    })
  })
}

/** The daemon's `{"message": ...}`, or the raw text when the body is not that shape. */
export function daemonMessage(statusCode: number, body: Buffer): string {
  const text = body.toString('utf8').trim()
  try {
    const parsed = JSON.parse(text) as {message?: unknown}
    if (parsed && typeof parsed.message === 'string') return parsed.message
  } catch {
    // not JSON: fall through to the raw text
  }
  return text || `${statusCode} ${http.STATUS_CODES[statusCode] ?? 'unknown status'}`
}

/**
 * Sends one request and resolves once the answer's head has arrived (2xx), leaving the body to read;
 * other statuses become DaemonError with the daemon's message.
 */
export function requestHead(host: DockerHost, options: RequestOptions): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = buildRequest(host, options)
    req.on('error', (error: NodeJS.ErrnoException) => reject(connectionError(host, error)))
    req.on('response', (res) => {
      const statusCode = res.statusCode ?? 0
      if (statusCode >= 200 && statusCode < 300) {
        resolve(res)
        return
      }
      readBody(res, MAX_ERROR_BODY).then(
        (body) => reject(new DaemonError(statusCode, daemonMessage(statusCode, body))),
        (error: Error) => reject(new DaemonError(statusCode, error.message)),
      )
    })
  })
}

/** Sends one request and reads the whole answer; non-2xx statuses become DaemonError. */
export async function request(host: DockerHost, options: RequestOptions): Promise<Response> {
  const res = await requestHead(host, options)
  const body = await readBody(res, MAX_BODY)
  return {statusCode: res.statusCode ?? 0, headers: res.headers, body}
}

export function parseJson<T>(body: Buffer, what: string): T {
  if (body.length === 0) return undefined as T
  try {
    return JSON.parse(body.toString('utf8')) as T
  } catch {
    throw new StreamError(`invalid JSON from the daemon for ${what}`)
  }
}

/** `request` plus JSON decoding of the answer. */
export async function requestJson<T>(host: DockerHost, options: RequestOptions): Promise<T> {
  const res = await request(host, options)
  return parseJson<T>(res.body, `${options.method} ${options.path}`)
}
