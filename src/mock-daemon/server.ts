// Connections, request/response plumbing, limits and logging. The endpoints live in routes.ts.
import {EventEmitter} from 'node:events'
import type {Socket} from 'node:net'
import type {ContainerSpec} from './config.js'
import {Container, ContainerStore} from './containers.js'
import type {ExecRecord} from './exec.js'
import {EventBus} from './events.js'
import {type Faults, mergeFaults} from './faults.js'
import {ignore, linger, OutputStream} from './hijacked.js'
import {ApiError, parseHead, type RequestHead, responseHead, SocketReader} from './http.js'
import {ImageStore} from './images.js'
import {route} from './routes.js'
import type {MockProcess, Runtime} from './runtime.js'
import {compareVersions} from '../transport/api-version.js'
import {API_VERSION, ENGINE_VERSION, MIN_API_VERSION} from './version.js'


export interface Limits {
  /** Largest request head in bytes (431 beyond). */
  maxHeaderSize: number
  /** Largest JSON body in bytes (413 beyond). */
  maxBodySize: number
  /** Bytes of main-process output kept per container for attach logs=1. */
  logSize: number
  /** Time allowed for a request head to arrive (dockerd's ReadHeaderTimeout is 5 minutes); then 408. */
  headTimeoutMs: number
  /** How long an exited exec can still be inspected; it goes at the first sweep after that (dockerd: 5 to 10 minutes). */
  execRetentionMs: number
}

export const DEFAULT_LIMITS: Limits = {
  maxHeaderSize: 16 * 1024,
  maxBodySize: 1024 * 1024,
  logSize: 1024 * 1024,
  headTimeoutMs: 5 * 60_000,
  execRetentionMs: 5 * 60_000,
}

export interface RequestRecord {
  method: string
  path: string
  status: number
  durationMs: number
}

export interface ServerOptions {
  containers: ContainerSpec[]
  faults: Faults
  runtimes: {process: Runtime; builtin?: Runtime}
  /** Runtime of containers created through the API without a `hijack.runtime` label (default "process"). */
  defaultRuntime?: 'process' | 'builtin'
  limits: Limits
  log?: (line: string) => void
}

/** The daemon's state and its connection handling (no listening: index.ts does that). */
export class MockServer {
  readonly containers = new ContainerStore()
  readonly execs = new Map<string, ExecRecord>()
  /** 'request' (RequestRecord), 'attach' ({container}), 'exec-start' ({id, container}). */
  readonly events = new EventEmitter()
  readonly processes = new Set<MockProcess>()
  /** What GET /events reports (the 'events' emitter above is the Node API's, not the Engine's). */
  readonly engineEvents = new EventBus()
  readonly images = new ImageStore()
  private readonly sockets = new Set<Socket>()
  private closing = false
  /** One sweep for all exec records (no timer per exec). */
  private readonly execSweep: NodeJS.Timeout
  /** One 'close' listener shared by every connection (`this` is the socket): no closure per connection. */
  private readonly forgetSocket: (this: Socket) => void

  constructor(readonly options: ServerOptions) {
    const retention = options.limits.execRetentionMs
    this.execSweep = setInterval(() => this.pruneExecs(Date.now(), retention), retention).unref()
    const sockets = this.sockets
    this.forgetSocket = function (this: Socket) {
      sockets.delete(this)
    }
    for (const spec of options.containers) {
      const runtime = spec.runtime === 'builtin' ? options.runtimes.builtin : options.runtimes.process
      if (!runtime) throw new Error(`container "${spec.name}": runtime "builtin" is not available`)
      this.addContainer(spec, runtime)
    }
  }

  /** A new container in the store, from the config or the API: the daemon's faults under its own. */
  addContainer(spec: ContainerSpec, runtime: Runtime): Container {
    const {options} = this
    const container = new Container(spec, {
      runtime,
      faults: mergeFaults(options.faults, spec.faults),
      logLimit: options.limits.logSize,
      track: this.track,
      events: this.engineEvents,
    })
    this.containers.add(container)
    this.images.add(spec.image)
    return container
  }

  /** Keeps `proc` until it exits, so shutdown() can kill it. A property, to be passed around as is (no closure per exec). */
  readonly track = (proc: MockProcess): void => {
    const processes = this.processes
    processes.add(proc)
    const forget = (): void => {
      processes.delete(proc)
    }
    proc.exited.then(forget, forget)
  }

  /** Forgets execs that exited `retention` ms ago or more (dockerd keeps them 5 to 10 minutes too). */
  pruneExecs(now: number, retention: number): void {
    for (const [id, record] of this.execs) {
      if (record.expired(now, retention)) this.execs.delete(id)
    }
  }

  startContainers(): void {
    for (const c of this.containers.all()) c.start()
  }

  /** Serves one connection: requests in order until it closes or is hijacked. Never throws. */
  handleConnection(socket: Socket): void {
    if (this.closing) {
      socket.destroy()
      return
    }
    this.sockets.add(socket)
    socket.on('error', ignore) // a client's reset is its business, never the daemon's crash
    socket.on('close', this.forgetSocket)
    this.serve(socket).catch(() => socket.destroy())
  }

  private async serve(socket: Socket): Promise<void> {
    const reader = new SocketReader(socket)
    const {limits} = this.options
    for (let fresh = true; ; fresh = false) {
      let head: RequestHead
      try {
        const raw = await reader.readHead(limits.maxHeaderSize, limits.headTimeoutMs, fresh)
        if (!raw) {
          socket.end()
          return
        }
        head = parseHead(raw)
      } catch (error) {
        // The connection cannot be trusted past a bad head: answer and close.
        const api = error instanceof ApiError ? error : new ApiError(400, 'malformed request')
        this.logRequest('-', '-', api.status, 0)
        writeError(socket, api.status, api.message, false, reader)
        return
      }
      const exchange = new Exchange(this, socket, reader, head)
      // Resolves at the hijack for a streaming request: this loop ends there instead of waiting out the session.
      await exchange.run()
      if (exchange.hijacked || !exchange.reusable || socket.destroyed) return
    }
  }

  logRequest(method: string, path: string, status: number, durationMs: number): void {
    const record: RequestRecord = {method, path, status, durationMs}
    this.events.emit('request', record)
    this.options.log?.(`${method} ${path} ${status} ${durationMs.toFixed(1)}ms`)
  }

  /** Stops every session and process; resolves when the processes have exited (or after 5 s). */
  async shutdown(): Promise<void> {
    this.closing = true
    clearInterval(this.execSweep)
    for (const socket of this.sockets) socket.destroy()
    const exits = [...this.processes].map((p) => p.exited.catch(() => 0))
    for (const p of this.processes) p.kill('SIGKILL')
    // Background children of finished execs are not in `processes`: the runtimes know them.
    this.options.runtimes.process.shutdown?.()
    this.options.runtimes.builtin?.shutdown?.()
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      Promise.all(exits),
      new Promise((resolve) => {
        timer = setTimeout(resolve, 5000)
      }),
    ])
    clearTimeout(timer)
  }
}

function jsonBody(value: unknown): Buffer {
  return Buffer.from(`${JSON.stringify(value)}\n`)
}

const COMMON_HEADERS = {
  'Api-Version': API_VERSION,
  'Docker-Experimental': 'false',
  Ostype: 'linux',
  Server: `Docker/${ENGINE_VERSION} (linux)`,
}

function writeError(socket: Socket, status: number, message: string, keepAlive: boolean, reader?: SocketReader): void {
  if (socket.destroyed) return
  const body = jsonBody({message})
  const head = responseHead(status, {
    ...COMMON_HEADERS,
    'Content-Type': 'application/json',
    'Content-Length': body.length,
    ...(keepAlive ? {} : {Connection: 'close'}),
  })
  if (keepAlive) socket.write(Buffer.concat([head, body]))
  else endConnection(socket, reader, Buffer.concat([head, body]))
}

/**
 * Our last bytes, then FIN. The client should close its side; what it still sends is discarded, and
 * one that never closes is cut by the linger sweep (the server allows half-open connections, so an
 * end() alone would keep its descriptor forever).
 */
function endConnection(socket: Socket, reader: SocketReader | undefined, last?: Buffer): void {
  reader?.detach()
  socket.on('data', ignore)
  socket.resume()
  if (last) socket.end(last)
  else socket.end()
  linger(socket)
}

export interface ChunkedResponse {
  write(body: Buffer): boolean
  end(body?: Buffer): void
}

export interface HijackStart {
  upgrade: boolean
  contentType: string
  multiplexed: boolean
  faults: Faults
}

/** One request and its response. */
export class Exchange {
  readonly started = process.hrtime.bigint()
  readonly version: string
  /** The path without the /v1.NN prefix. */
  readonly path: string
  status = 0
  hijacked = false
  reusable: boolean
  private bodyRead = false
  private responded = false
  /** The connection's HTTP reader; dropped at the hijack (the connection is a raw stream from there on). */
  private reader: SocketReader | undefined
  /** Set while run() waits: the hijack lets it return before the session ends. */
  private onHijack: (() => void) | undefined

  constructor(readonly server: MockServer, readonly socket: Socket, reader: SocketReader, readonly req: RequestHead) {
    this.reader = reader
    this.reusable = req.keepAlive
    // dockerd's route pattern: /v{version:[0-9.]+}/ (so /v9/_ping is a 400 "too new", not a 404).
    const m = /^\/v([0-9.]+)(\/.*)$/.exec(req.path)
    this.version = m ? m[1] : API_VERSION
    this.path = m ? m[2] : req.path
  }

  get query(): URLSearchParams {
    return this.req.query
  }

  versionAtLeast(version: string): boolean {
    return compareVersions(this.version, version) >= 0
  }

  /**
   * Answers the request. Resolves when the response is complete, or as soon as the handler hijacks the
   * connection: a streaming session then goes on without this call (and the serve loop) waiting on it,
   * which at thousands of sessions is memory (every suspended async frame holds its locals).
   */
  async run(): Promise<void> {
    let routed: Promise<void>
    if (compareVersions(this.version, API_VERSION) > 0) {
      routed = Promise.reject(new ApiError(400, `client version ${this.version} is too new. Maximum supported API version is ${API_VERSION}`))
    } else if (compareVersions(this.version, MIN_API_VERSION) < 0) {
      routed = Promise.reject(new ApiError(400, `client version ${this.version} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`))
    } else {
      routed = route(this)
    }
    await new Promise<void>((resolve) => {
      this.onHijack = resolve
      // After a hijack, a failure can only end the connection (fail() knows the head is out).
      routed.then(resolve, (error: unknown) => {
        this.fail(error)
        resolve()
      })
    })
    this.onHijack = undefined
    if (!this.hijacked) {
      this.log()
      if (this.reusable && !this.bodyRead && !this.socket.destroyed) {
        try {
          await this.input.readBody(this.req, this.server.options.limits.maxBodySize)
        } catch {
          this.reusable = false
          this.socket.destroy()
        }
      }
    }
  }

  private get input(): SocketReader {
    if (!this.reader) throw new ApiError(500, 'the connection was hijacked')
    return this.reader
  }

  private fail(error: unknown): void {
    if (this.responded) {
      this.socket.destroy()
      return
    }
    let status = 500
    let message = String((error as Error)?.message ?? error)
    if (error instanceof ApiError) status = error.status
    if (status === 413) this.reusable = false
    this.sendJson(status, {message})
  }

  private log(): void {
    const ms = Number(process.hrtime.bigint() - this.started) / 1e6
    this.server.logRequest(this.req.method, this.req.target, this.status, ms)
  }

  /** The request body parsed as JSON; undefined when empty. Bad JSON is a 400. */
  async json<T>(): Promise<T | undefined> {
    const limit = this.server.options.limits.maxBodySize
    if ((this.req.contentLength ?? 0) > limit) {
      this.reusable = false
      throw new ApiError(413, `request body too large (limit ${limit} bytes)`)
    }
    this.bodyRead = true
    // curl waits (1 s) for this before sending a body over 1 KiB.
    if (this.req.headers.expect?.toLowerCase() === '100-continue') this.socket.write('HTTP/1.1 100 Continue\r\n\r\n')
    let raw: Buffer
    try {
      raw = await this.input.readBody(this.req, limit)
    } catch (error) {
      this.reusable = false
      throw error
    }
    if (raw.length === 0) return undefined
    try {
      return JSON.parse(raw.toString('utf8')) as T
    } catch (error) {
      throw new ApiError(400, `invalid JSON: ${(error as Error).message}`)
    }
  }

  private head(status: number, headers: Record<string, string | number>): Buffer {
    this.status = status
    this.responded = true
    return responseHead(status, {...COMMON_HEADERS, ...headers, ...(this.reusable ? {} : {Connection: 'close'})})
  }

  send(status: number, body?: Buffer, contentType = 'text/plain; charset=utf-8', extra: Record<string, string> = {}): void {
    const headers: Record<string, string | number> = {...extra}
    if (body) {
      headers['Content-Type'] = contentType
      headers['Content-Length'] = body.length
    } else if (status !== 204 && status !== 304) headers['Content-Length'] = 0
    const head = this.head(status, headers)
    const payload = body && this.req.method !== 'HEAD' && status !== 204 && status !== 304 ? Buffer.concat([head, body]) : head
    if (this.reusable) this.socket.write(payload)
    else endConnection(this.socket, this.reader, payload)
  }

  sendJson(status: number, value: unknown): void {
    this.send(status, jsonBody(value), 'application/json')
  }

  /**
   * Headers now, body later (POST /wait, logs, events, pull): chunked so the connection can be reused after.
   * `write` returns false when the socket's buffer is full (the caller decides whether to wait).
   */
  startChunked(status: number, contentType: string, extra: Record<string, string> = {}): ChunkedResponse {
    this.socket.write(this.head(status, {...extra, 'Content-Type': contentType, 'Transfer-Encoding': 'chunked'}))
    const socket = this.socket
    const write = (body: Buffer): boolean => {
      if (socket.destroyed || body.length === 0) return !socket.destroyed
      socket.write(`${body.length.toString(16)}\r\n`)
      socket.write(body)
      return socket.write('\r\n')
    }
    let ended = false
    return {
      write,
      end: (body?: Buffer) => {
        if (ended || socket.destroyed) return
        ended = true
        if (body) write(body)
        socket.write('0\r\n\r\n')
        if (!this.reusable) endConnection(socket, this.reader)
      },
    }
  }

  /**
   * Takes the connection over: writes the 101 (or 200 without Upgrade) head through the output stream,
   * and returns the bytes already read past the request, which are the first bytes of stdin.
   */
  hijack(start: HijackStart): {output: OutputStream; leftover: Buffer; clientEnded: boolean} {
    this.hijacked = true
    this.responded = true
    const upgrade = start.upgrade && !start.faults.noUpgrade
    // dockerd says raw-stream on a non-upgraded hijack whatever the framing is.
    const headers: Record<string, string> = upgrade
      ? {'Content-Type': start.contentType, Connection: 'Upgrade', Upgrade: 'tcp'}
      : {'Content-Type': 'application/vnd.docker.raw-stream'}
    this.status = upgrade ? 101 : 200
    const head = responseHead(this.status, {...COMMON_HEADERS, ...headers})
    const {leftover, ended} = this.input.detach()
    this.reader = undefined
    const socket = this.socket
    socket.setNoDelay(true)
    socket.setTimeout(0)
    this.log() // at the head, like every other request, so the log reads in order
    const output = new OutputStream(socket, head, start.multiplexed, start.faults)
    const onHijack = this.onHijack
    this.onHijack = undefined
    onHijack?.()
    return {output, leftover, clientEnded: ended}
  }
}
