// Small clients for the mock daemon tests: plain requests over Node's http client, and raw
// hijacks over a bare socket so tests control exactly when each byte leaves.
import {request as httpRequest, type IncomingHttpHeaders} from 'node:http'
import {connect, type Socket} from 'node:net'
import {PassThrough, Writable} from 'node:stream'
import {StdcopyDemuxer} from '../../src/protocol/stdcopy.js'

export interface Reply {
  status: number
  headers: IncomingHttpHeaders
  body: string
  json: () => any
}

export function call(socketPath: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body))
    const req = httpRequest({
      socketPath,
      method,
      path,
      agent: false,
      headers: {Host: 'api.moby.localhost', ...(payload ? {'Content-Type': 'application/json', 'Content-Length': payload.length} : {}), ...headers},
    }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        resolve({status: res.statusCode ?? 0, headers: res.headers, body: text, json: () => JSON.parse(text)})
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(payload)
  })
}

export interface RawHijack {
  socket: Socket
  status: number
  headers: Record<string, string>
  /** Raw head bytes as received, for checks on the head itself. */
  headText: string
  /** Bytes that came in the same read as the head. */
  firstRead: Buffer
  /** Everything received after the head, resolved at the server's end of the stream. */
  rest: Promise<Buffer>
  /** For a non-stream answer: the Content-Length body (the connection stays open, keep-alive). */
  body: () => Promise<string>
  /** Waits until the bytes after the head contain `text`. */
  waitFor: (text: string) => Promise<void>
}

/**
 * Sends `parts` one write at a time (each after the previous has been flushed and `gapMs` passed),
 * then parses the response head by hand. The bytes after the head are collected in `rest`.
 */
export function rawHijack(socketPath: string, parts: (string | Buffer)[], gapMs = 0, opts: {port?: number} = {}): Promise<RawHijack> {
  return new Promise((resolve, reject) => {
    const socket = opts.port ? connect(opts.port, '127.0.0.1') : connect(socketPath)
    socket.on('error', reject)
    let head = Buffer.alloc(0)
    let done = false
    const after: Buffer[] = []
    let endRest!: (b: Buffer) => void
    const rest = new Promise<Buffer>((r) => {
      endRest = r
    })
    const finish = () => endRest(Buffer.concat(after))
    socket.on('end', finish)
    socket.on('close', finish)
    socket.on('data', (chunk: Buffer) => {
      if (done) {
        after.push(chunk)
        return
      }
      const firstRead = chunk
      head = Buffer.concat([head, chunk])
      const at = head.indexOf('\r\n\r\n')
      if (at < 0) return
      done = true
      const headText = head.subarray(0, at).toString('latin1')
      const lines = headText.split('\r\n')
      const status = Number(lines[0].split(' ')[1])
      const headers: Record<string, string> = {}
      for (const line of lines.slice(1)) {
        const i = line.indexOf(':')
        headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim()
      }
      const extra = head.subarray(at + 4)
      if (extra.length > 0) after.push(extra)
      const body = async (): Promise<string> => {
        const want = Number(headers['content-length'] ?? 0)
        while (Buffer.concat(after).length < want && !socket.readableEnded) await new Promise((r) => socket.once('data', r))
        return Buffer.concat(after).subarray(0, want).toString('utf8')
      }
      const waitFor = async (text: string): Promise<void> => {
        while (!Buffer.concat(after).includes(text)) {
          if (socket.readableEnded || socket.destroyed) throw new Error(`stream ended without ${JSON.stringify(text)}`)
          await new Promise((r) => socket.once('data', r))
        }
      }
      resolve({socket, status, headers, headText, firstRead, rest, body, waitFor})
    })
    socket.on('connect', async () => {
      for (const [i, part] of parts.entries()) {
        if (i > 0 && gapMs > 0) await new Promise((r) => setTimeout(r, gapMs))
        await new Promise<void>((r) => socket.write(part, () => r()))
      }
    })
  })
}

/** A POST head with a JSON body of `body`; `upgrade` adds Docker's hijack headers. */
export function postHead(path: string, body: string, upgrade = true): string {
  return `POST ${path} HTTP/1.1\r\nHost: api.moby.localhost\r\n` +
    (upgrade ? 'Connection: Upgrade\r\nUpgrade: tcp\r\n' : '') +
    `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`
}

export interface Demuxed {
  stdout: string
  stderr: string
  error?: Error
}

/** Splits a multiplexed stream with the transport's demuxer (the code under real use). */
export async function demux(bytes: Buffer): Promise<Demuxed> {
  const out: Buffer[] = []
  const err: Buffer[] = []
  const sink = (into: Buffer[]) => new Writable({write(c, _e, cb) { into.push(c); cb() }})
  const demuxer = new StdcopyDemuxer({stdout: sink(out), stderr: sink(err)})
  const error = await new Promise<Error | undefined>((resolve) => {
    demuxer.on('error', resolve)
    demuxer.on('finish', () => resolve(undefined))
    const src = new PassThrough()
    src.pipe(demuxer)
    src.end(bytes)
  })
  return {stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), error}
}

/** Creates an exec and returns its id. */
export async function createExec(socketPath: string, container: string, body: Record<string, unknown>): Promise<string> {
  const reply = await call(socketPath, 'POST', `/v1.47/containers/${container}/exec`, {AttachStdout: true, AttachStderr: true, ...body})
  if (reply.status !== 201) throw new Error(`exec create: ${reply.status} ${reply.body}`)
  return reply.json().Id
}
