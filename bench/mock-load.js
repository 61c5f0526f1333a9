// The load side of bench/mock-scale.js: opens hijacked exec sessions against the mock daemon and
// keeps them open until told to close them. One process holds one share of the sessions.
// Controlled over the IPC channel:
//   parent -> {type: 'open', socket, container, first, count, concurrency, bytes}
//             opens `count` sessions (indices first..first+count-1), at most `concurrency` in setup at once;
//             each: POST /containers/{c}/exec, POST /exec/{id}/start (Upgrade: tcp) on the same keep-alive
//             connection, wait for the 101, write `bytes` distinct bytes to stdin, wait until they came back.
//             (a session whose echo has not come back within sessionTimeoutMs fails)
//             answers {type: 'opened', latencies: [ms...], failures: [...], open, retries}
//   parent -> {type: 'close'}  half-closes every session, reads each to the end through StdcopyDemuxer,
//             checks byte counts and digests, then GET /exec/{id}/json for every session (exit code 0).
//             answers {type: 'closed', ...counts}
import {createHash, randomBytes} from 'node:crypto'
import {connect} from 'node:net'
import {readFileSync} from 'node:fs'
import {Writable} from 'node:stream'
import {StdcopyDemuxer} from '../dist/protocol/stdcopy.js'

const API = '/v1.47'
const POOL = randomBytes(256 * 1024)

function fdLimit() {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'))
    return Number(line.split(/\s{2,}/)[1])
  } catch {
    return NaN
  }
}

/** Distinct bytes per session: windows of a random pool at per-session offsets, stamped with the index. */
function payloadFor(index, size) {
  const data = Buffer.allocUnsafe(size)
  const half = POOL.length / 2
  for (let at = 0, k = 0; at < size; k++) {
    const n = Math.min(size - at, half)
    const offset = (index * 7919 + k * 104_729) % half
    POOL.copy(data, at, offset, offset + n)
    at += n
  }
  if (size >= 8) data.writeBigUInt64BE(BigInt(index), 0)
  return data
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Connects, retrying while the listen backlog is full (EAGAIN on a unix socket). */
async function connectWithRetry(path, stats) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await new Promise((resolve, reject) => {
        const sock = connect(path)
        sock.once('connect', () => {
          sock.off('error', reject)
          resolve(sock)
        })
        sock.once('error', reject)
      })
    } catch (error) {
      if (attempt < 100 && ['EAGAIN', 'ECONNREFUSED', 'EWOULDBLOCK'].includes(error.code)) {
        stats.retries++
        await sleep(Math.min(100, 2 ** Math.min(attempt, 6)))
        continue
      }
      throw error
    }
  }
}

/** Minimal HTTP/1.1 response reading on a raw socket (Content-Length bodies and the 101 head). */
class ResponseReader {
  constructor(sock) {
    this.sock = sock
    this.buf = Buffer.alloc(0)
    this.waiter = null
    this.ended = false
    this.error = null
    this.onData = (chunk) => {
      this.buf = this.buf.length > 0 ? Buffer.concat([this.buf, chunk]) : chunk
      this.wake()
    }
    this.onEnd = () => {
      this.ended = true
      this.wake()
    }
    this.onError = (error) => {
      this.error = error
      this.wake()
    }
    sock.on('data', this.onData)
    sock.on('end', this.onEnd)
    sock.on('error', this.onError)
  }

  wake() {
    const w = this.waiter
    this.waiter = null
    w?.()
  }

  /** The next response; with `upgrade`, stops after the head and hands back the bytes after it. */
  async next(upgrade = false) {
    for (;;) {
      const at = this.buf.indexOf('\r\n\r\n')
      if (at >= 0) {
        const head = this.buf.subarray(0, at).toString('latin1')
        const status = Number(head.slice(9, 12))
        if (upgrade && (status === 101 || status === 200)) {
          const rest = this.buf.subarray(at + 4)
          this.buf = Buffer.alloc(0)
          return {status, head, rest}
        }
        const m = /\r\ncontent-length:\s*(\d+)/i.exec(head)
        const len = m ? Number(m[1]) : 0
        if (this.buf.length >= at + 4 + len) {
          const body = this.buf.subarray(at + 4, at + 4 + len)
          this.buf = this.buf.subarray(at + 4 + len)
          return {status, head, body}
        }
      }
      if (this.error) throw this.error
      if (this.ended) throw new Error('connection closed before the response')
      await new Promise((resolve) => {
        this.waiter = resolve
      })
    }
  }

  detach() {
    this.sock.off('data', this.onData)
    this.sock.off('end', this.onEnd)
    this.sock.off('error', this.onError)
  }
}

function request(method, path, body) {
  const payload = body === undefined ? '' : JSON.stringify(body)
  const headers = [`${method} ${API}${path} HTTP/1.1`, 'Host: api.moby.localhost', 'User-Agent: hijack-bench']
  if (body !== undefined) headers.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(payload)}`)
  return {headers, payload}
}

function serialize({headers, payload}, extra = []) {
  return `${[...headers, ...extra].join('\r\n')}\r\n\r\n${payload}`
}

/** Hashes and counts one stream's bytes; calls `onBytes` once `want` bytes have come. */
class DigestSink extends Writable {
  constructor(want, onBytes) {
    super({highWaterMark: 64 * 1024})
    this.hash = createHash('sha256')
    this.bytes = 0
    this.want = want
    this.onBytes = onBytes
  }

  _write(chunk, _enc, cb) {
    this.hash.update(chunk)
    this.bytes += chunk.length
    if (this.onBytes && this.bytes >= this.want) {
      const f = this.onBytes
      this.onBytes = null
      f()
    }
    cb()
  }
}

class Session {
  constructor(index, bytes) {
    this.index = index
    this.bytes = bytes
    this.execId = ''
    this.sock = null
    this.latencyMs = 0
    this.expected = ''
    this.stdout = null
    this.stderr = null
    this.demux = null
    this.streamDone = null
  }

  /** Create, start, 101, write the payload, wait for the echo. */
  async open(socketPath, container, stats, timeoutMs) {
    const sock = await connectWithRetry(socketPath, stats)
    this.sock = sock
    const reader = new ResponseReader(sock)
    const t0 = process.hrtime.bigint()
    sock.write(serialize(request('POST', `/containers/${container}/exec`, {
      AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: false, Cmd: ['cat'],
    })))
    const created = await reader.next()
    if (created.status !== 201) throw new Error(`exec create: ${created.status} ${created.body}`)
    this.execId = JSON.parse(created.body.toString('utf8')).Id
    sock.write(serialize(request('POST', `/exec/${this.execId}/start`, {Detach: false, Tty: false}),
      ['Connection: Upgrade', 'Upgrade: tcp']))
    const started = await reader.next(true)
    if (started.status !== 101) throw new Error(`exec start: expected 101, got ${started.status}`)
    this.latencyMs = Number(process.hrtime.bigint() - t0) / 1e6
    if (!/content-type: application\/vnd\.docker\.multiplexed-stream/i.test(started.head)) {
      throw new Error('exec start: not a multiplexed stream')
    }

    let echoed
    const echo = new Promise((resolve) => {
      echoed = resolve
    })
    this.stdout = new DigestSink(this.bytes, echoed)
    this.stderr = new DigestSink(Infinity, null)
    this.demux = new StdcopyDemuxer({stdout: this.stdout, stderr: this.stderr})
    this.streamDone = new Promise((resolve) => {
      let pending = 2
      let error = null
      const done = (e) => {
        if (e && !error) error = e
        if (--pending === 0) resolve(error)
      }
      this.demux.once('finish', () => done(null))
      this.demux.once('error', (e) => done(e))
      sock.once('close', (hadError) => done(hadError ? new Error('socket closed with an error') : null))
    })
    sock.on('error', () => {})
    // No await between these: no 'data' can slip through while the reader hands over.
    reader.detach()
    if (started.rest.length > 0) this.demux.write(started.rest)
    sock.pipe(this.demux)

    const data = payloadFor(this.index, this.bytes)
    this.expected = createHash('sha256').update(data).digest('hex')
    sock.write(data)
    const endedEarly = this.streamDone.then((e) => {
      throw e ?? new Error('stream ended before the echo')
    })
    endedEarly.catch(() => {}) // settles after the echo in every good session
    let timer
    const late = new Promise((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`no echo of ${this.bytes} bytes within ${timeoutMs} ms (got ${this.stdout.bytes})`)), timeoutMs)
    })
    try {
      await Promise.race([echo, endedEarly, late])
    } finally {
      clearTimeout(timer)
    }
  }

  /** Half-close, read to the end, check every byte. */
  async close() {
    this.sock.end()
    const error = await this.streamDone
    const got = this.stdout.hash.digest('hex')
    return {
      error: error ? String(error.message ?? error) : null,
      bytesOk: this.stdout.bytes === this.bytes && got === this.expected && this.stderr.bytes === 0,
      bytesIn: this.stdout.bytes,
    }
  }
}

let sessions = []
let socketPath = ''

async function openAll(msg) {
  socketPath = msg.socket
  const stats = {retries: 0}
  const latencies = []
  const failures = []
  let next = 0
  const opened = []
  const worker = async () => {
    while (next < msg.count) {
      const i = msg.first + next++
      const s = new Session(i, msg.bytes)
      try {
        await s.open(msg.socket, msg.container, stats, msg.sessionTimeoutMs ?? 30_000)
        latencies.push(s.latencyMs)
        opened.push(s)
      } catch (error) {
        failures.push(`session ${i}: ${error.message}`)
        s.sock?.destroy()
      }
    }
  }
  await Promise.all(Array.from({length: Math.min(msg.concurrency, msg.count)}, worker))
  sessions.push(...opened)
  return {type: 'opened', latencies, failures: failures.slice(0, 20), failed: failures.length, open: opened.length, retries: stats.retries, fdLimit: fdLimit()}
}

async function inspectAll(ids, connections) {
  let next = 0
  let running = 0
  let badCode = 0
  let errors = 0
  const worker = async () => {
    if (next >= ids.length) return
    const sock = await connectWithRetry(socketPath, {retries: 0})
    const reader = new ResponseReader(sock)
    try {
      while (next < ids.length) {
        const id = ids[next++]
        sock.write(serialize(request('GET', `/exec/${id}/json`)))
        const res = await reader.next()
        if (res.status !== 200) {
          errors++
          continue
        }
        const info = JSON.parse(res.body.toString('utf8'))
        if (info.Running) running++
        else if (info.ExitCode !== 0) badCode++
      }
    } finally {
      sock.destroy()
    }
  }
  await Promise.all(Array.from({length: connections}, worker))
  return {inspected: ids.length, stillRunning: running, badExitCode: badCode, inspectErrors: errors}
}

async function closeAll() {
  const results = await Promise.all(sessions.map((s) => s.close()))
  let bytesOk = 0
  let bytesIn = 0
  const problems = []
  results.forEach((r, n) => {
    bytesIn += r.bytesIn
    if (r.bytesOk && !r.error) bytesOk++
    else if (problems.length < 20) problems.push(`session ${sessions[n].index}: ${r.error ?? `bytes ${r.bytesIn}/${sessions[n].bytes} or digest mismatch`}`)
  })
  const inspect = await inspectAll(sessions.map((s) => s.execId), 8)
  const closed = sessions.length
  sessions = []
  return {type: 'closed', closed, bytesOk, bytesIn, problems, ...inspect}
}

process.on('message', (msg) => {
  const run = msg.type === 'open' ? openAll(msg) : msg.type === 'close' ? closeAll() : null
  if (msg.type === 'exit') process.exit(0)
  run?.then((answer) => process.send(answer), (error) => process.send({type: 'fatal', message: String(error?.stack ?? error)}))
})
process.on('disconnect', () => process.exit(0))
process.send({type: 'ready', pid: process.pid, fdLimit: fdLimit()})
