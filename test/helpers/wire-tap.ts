// A unix-socket relay in front of a daemon that records what crosses it, so a test can see what the
// daemon really sent (how its writes were cut, when they came) while a real client talks through it.
import net from 'node:net'
import {join} from 'node:path'
import {tempDir} from './temp.js'

/** One read from the daemon side, as the relay got it. */
export interface DaemonRead {
  bytes: Buffer
  at: number
}

/** One client connection through the relay. */
export interface TappedConnection {
  /** Everything the client sent. */
  request(): string
  /** When the client's first bytes came (performance.now()). */
  requestAt(): number
  /** The daemon's reads, in order. */
  reads: DaemonRead[]
  /** Everything the daemon sent. */
  response(): Buffer
}

export interface WireTap {
  /** `unix://...` for the client's -H. */
  host: string
  connections: TappedConnection[]
  /** The connections whose request starts with `method path` (path: a pattern on the path after /vN.NN). */
  find(method: string, path: RegExp): TappedConnection[]
}

/**
 * Relays every connection to `daemonSocket`, half-open on both legs as a proxy must be (the client's
 * half-close is passed on and the daemon's output keeps flowing back). Closed when `t` ends.
 */
export async function wireTap(t: {teardown(fn: () => unknown): void}, daemonSocket: string): Promise<WireTap> {
  const path = join(tempDir(t, 'hj-tap-'), 'tap.sock')
  const connections: TappedConnection[] = []
  const sockets = new Set<net.Socket>()
  const server = net.createServer({allowHalfOpen: true}, (client) => {
    const up: Buffer[] = []
    let firstUp = NaN
    const reads: DaemonRead[] = []
    connections.push({
      request: () => Buffer.concat(up).toString('latin1'),
      requestAt: () => firstUp,
      reads,
      response: () => Buffer.concat(reads.map((r) => r.bytes)),
    })
    const daemon = net.connect({path: daemonSocket, allowHalfOpen: true})
    for (const s of [client, daemon]) {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
    }
    client.on('data', (chunk: Buffer) => {
      if (up.length === 0) firstUp = performance.now()
      up.push(chunk)
    })
    daemon.on('data', (chunk: Buffer) => reads.push({bytes: chunk, at: performance.now()}))
    client.pipe(daemon).pipe(client)
    client.on('error', () => daemon.destroy())
    daemon.on('error', () => client.destroy())
  })
  await new Promise<void>((resolve) => server.listen(path, resolve))
  t.teardown(() => {
    for (const s of sockets) s.destroy()
    return new Promise<void>((resolve) => server.close(() => resolve()))
  })
  const find = (method: string, pathPattern: RegExp): TappedConnection[] => connections.filter((c) => {
    const m = /^(\S+) (?:\/v\d+\.\d+)?(\S*) HTTP/.exec(c.request())
    return m !== null && m[1] === method && pathPattern.test(m[2])
  })
  return {host: `unix://${path}`, connections, find}
}

/** The bytes after the response head (the hijacked stream), and the reads that carried them. */
export function afterHead(c: TappedConnection): {head: string; stream: Buffer; streamReads: DaemonRead[]} {
  const all = c.response()
  const end = all.indexOf('\r\n\r\n')
  if (end < 0) return {head: all.toString('latin1'), stream: Buffer.alloc(0), streamReads: []}
  const headLength = end + 4
  const streamReads: DaemonRead[] = []
  let offset = 0
  for (const read of c.reads) {
    const start = offset
    offset += read.bytes.length
    if (offset > headLength) streamReads.push({bytes: read.bytes.subarray(Math.max(0, headLength - start)), at: read.at})
  }
  return {head: all.subarray(0, headLength).toString('latin1'), stream: all.subarray(headLength), streamReads}
}
