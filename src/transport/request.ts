import http from 'node:http'
import type {Duplex} from 'node:stream'
import {dial} from './dial.js'
import {ConnectError, DaemonError} from './errors.js'
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
const MAX_ERROR_BODY = 64 * 1024
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
    createConnection: () => dial(host) as unknown as Duplex & import('node:net').Socket,
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

/** Reads a body up to `limit` bytes; resolves with what arrived even if it was cut. */
export function readBody(res: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    res.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        res.destroy()
        reject(new Error(`daemon answer larger than ${limit} bytes`))
        return
      }
      chunks.push(chunk)
    })
    res.on('end', () => resolve(Buffer.concat(chunks)))
    res.on('error', reject)
    res.on('aborted', () => resolve(Buffer.concat(chunks)))
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

/** Sends one request and reads the whole answer; non-2xx statuses become DaemonError. */
export function request(host: DockerHost, options: RequestOptions): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = buildRequest(host, options)
    req.on('error', (error: NodeJS.ErrnoException) => reject(connectionError(host, error)))
    req.on('response', (res) => {
      const ok = res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300
      readBody(res, ok ? MAX_BODY : MAX_ERROR_BODY).then((body) => {
        const statusCode = res.statusCode ?? 0
        if (!ok) reject(new DaemonError(statusCode, daemonMessage(statusCode, body)))
        else resolve({statusCode, headers: res.headers, body})
      }, reject)
    })
  })
}

/** `request` plus JSON decoding of the answer. */
export async function requestJson<T>(host: DockerHost, options: RequestOptions): Promise<T> {
  const res = await request(host, options)
  if (res.body.length === 0) return undefined as T
  try {
    return JSON.parse(res.body.toString('utf8')) as T
  } catch {
    throw new DaemonError(res.statusCode, `invalid JSON from ${options.method} ${options.path}`)
  }
}
