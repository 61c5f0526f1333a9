// The session core without subprocesses, as moby tests stdcopy: runSession over real socket pairs (unix,
// TCP loopback and TLS; helpers/socket-pair.ts) whose far end plays the daemon, with writes failing at the Nth
// write, the output cut at every byte, our stdout closing early and stdin failing.
import {randomBytes} from 'node:crypto'
import type net from 'node:net'
import {Readable, Writable} from 'node:stream'
import t from 'tap'
import {StreamError} from '../../src/transport/errors.js'
import {runSession, type SessionOptions, type SessionResult} from '../../src/transport/session.js'
import {TruncatedFrameError, frameHeader} from '../../src/protocol/stdcopy.js'
import {failNthWrite, socketPair, type PairKind} from '../helpers/socket-pair.js'

/** A stdout or stderr that keeps what it is given. */
class Sink extends Writable {
  chunks: Buffer[] = []
  constructor(options: {highWaterMark?: number; slow?: boolean} = {}) {
    super({highWaterMark: options.highWaterMark})
    this.slow = options.slow ?? false
  }
  private readonly slow: boolean
  override _write(chunk: Buffer, _e: BufferEncoding, callback: () => void): void {
    this.chunks.push(Buffer.from(chunk))
    if (this.slow) setTimeout(callback, 1)
    else callback()
  }
  get bytes(): Buffer {
    return Buffer.concat(this.chunks)
  }
}

/** stdin that never ends: a fresh 64 KiB chunk on every read. */
function endlessInput(): Readable & {reads: number} {
  const input = new Readable({
    read() {
      input.reads++
      this.push(randomBytes(64 * 1024))
    },
  }) as Readable & {reads: number}
  input.reads = 0
  return input
}

const frame = (type: 1 | 2, payload: Buffer): Buffer => Buffer.concat([frameHeader(type, payload.length), payload])

type Outcome = {result?: SessionResult; error?: Error; stdout: Buffer; stderr: Buffer}

async function session(options: Partial<SessionOptions> & {socket: net.Socket}, sinks = {stdout: new Sink(), stderr: new Sink()}): Promise<Outcome> {
  try {
    const result = await runSession({tty: false, halfClose: true, ...sinks, ...options})
    return {result, stdout: sinks.stdout.bytes, stderr: sinks.stderr.bytes}
  } catch (error) {
    return {error: error as Error, stdout: sinks.stdout.bytes, stderr: sinks.stderr.bytes}
  }
}

t.test('output is delivered whole and in order up to the daemon EOF', async (t) => {
  const {client, daemon} = await socketPair(t)
  const out = randomBytes(300_000)
  const err = randomBytes(70_000)
  daemon.write(frame(1, out.subarray(0, 100_000)))
  daemon.write(frame(2, err))
  daemon.end(frame(1, out.subarray(100_000)))
  const r = await session({socket: client})
  t.same(r.result, {detached: false, outputClosed: false})
  t.ok(r.stdout.equals(out), 'stdout intact')
  t.ok(r.stderr.equals(err), 'stderr intact')
})

t.test('a stdin write failing at the Nth write stops the input only: the output that follows is all delivered', async (t) => {
  for (const [n, code] of [[1, 'EPIPE'], [2, 'ECONNRESET'], [5, 'EPIPE']] as const) {
    const {client, daemon} = await socketPair(t)
    const counter = failNthWrite(client, n, code)
    const stdin = endlessInput()
    const out = randomBytes(200_000)
    // The daemon answers only once our write has failed, so the output arrives after the error.
    daemon.on('data', () => {})
    const waitForFailure = setInterval(() => {
      if (counter.writes() < n) return
      clearInterval(waitForFailure)
      setTimeout(() => daemon.end(frame(1, out)), 20)
    }, 2)
    const r = await session({socket: client, stdin})
    t.equal(r.error, undefined, `write ${n} fails with ${code}: no error`)
    t.ok(r.stdout.equals(out), `write ${n} fails with ${code}: all ${out.length} output bytes delivered (got ${r.stdout.length})`)
    t.ok(stdin.isPaused() || stdin.destroyed, 'stdin is no longer read')
  }
})

t.test('onInputStopped: told once, as soon as a stdin write fails, while the output is still open', async (t) => {
  const {client, daemon} = await socketPair(t)
  failNthWrite(client, 2)
  daemon.on('data', () => {})
  let stopped = 0
  const stdin = endlessInput()
  await new Promise<void>((resolve) => {
    void session({socket: client, stdin, onInputStopped: () => {
      stopped++
      resolve()
    }})
  })
  t.equal(stopped, 1, 'told when the write failed')
  t.notOk(client.destroyed, 'the session is still reading the output')
  const readsThen = stdin.reads
  daemon.end(frame(1, Buffer.from('after')))
  await new Promise((resolve) => client.once('close', resolve))
  t.equal(stopped, 1, 'told only once, though the session ended after')
  t.ok(stdin.reads <= readsThen + 1, 'stdin no longer read')
})

t.test('onInputStopped: told at output EOF (stdin still open) and not for a plain stdin end', async (t) => {
  const a = await socketPair(t)
  let stopped = 0
  a.daemon.on('data', () => {})
  a.daemon.end(frame(1, Buffer.from('bye')))
  const r = await session({socket: a.client, stdin: new Readable({read() {}}), onInputStopped: () => stopped++})
  t.equal(r.error, undefined)
  t.equal(stopped, 1, 'output EOF stops the input')
  // stdin that ends by itself was read to its end: nothing to tell until the session ends.
  const b = await socketPair(t)
  let early = -1
  b.daemon.on('data', () => {})
  b.daemon.on('end', () => {
    early = stopped
    b.daemon.end(frame(1, Buffer.from('done')))
  })
  stopped = 0
  await session({socket: b.client, stdin: Readable.from([Buffer.from('x')]), onInputStopped: () => stopped++})
  t.equal(early, 0, 'not told when stdin simply ended')
})

t.test('the daemon goes away while we write stdin (a real EPIPE): what it sent first is delivered, the cut reported', async (t) => {
  const kinds: PairKind[] = ['unix', 'tcp', 'tls']
  for (let run = 0; run < 30; run++) {
    const kind = kinds[run % kinds.length]
    const {client, daemon} = await socketPair(t, kind)
    const out = randomBytes(100_000)
    // Never reading our stdin, the daemon writes a frame cut short and closes with our bytes unread.
    const wire = frame(1, out)
    daemon.write(wire.subarray(0, 60_000), () => daemon.destroy())
    const r = await session({socket: client, stdin: endlessInput()})
    t.ok(r.stdout.equals(out.subarray(0, 60_000 - 8)), `run ${run} (${kind}): the ${60_000 - 8} payload bytes sent are delivered (got ${r.stdout.length})`)
    // Cut inside the frame (TruncatedFrameError), or reset first (StreamError): reported either way.
    t.ok(r.error instanceof TruncatedFrameError || r.error instanceof StreamError, `run ${run} (${kind}): the cut is an error (got ${r.error?.name})`)
  }
})

t.test('TTY over TLS and unix: the daemon goes away while we write stdin; every byte it sent is delivered', async (t) => {
  const kinds: PairKind[] = ['tls', 'unix']
  for (let run = 0; run < 20; run++) {
    const kind = kinds[run % kinds.length]
    const {client, daemon} = await socketPair(t, kind)
    const out = randomBytes(60_000)
    daemon.write(out, () => daemon.destroy())
    const r = await session({socket: client, tty: true, stdin: endlessInput()})
    // Raw output has no framing to cut: a FIN is a clean end; a reset is still said.
    t.ok(r.stdout.equals(out), `run ${run} (${kind}): all ${out.length} bytes delivered (got ${r.stdout.length})`)
    t.ok(r.error === undefined || r.error instanceof StreamError, `run ${run} (${kind}): ${r.error?.message ?? 'no error'}`)
  }
})

t.test('the output cut at any byte: the bytes before the cut arrive, a cut inside a frame is reported', async (t) => {
  const payloads: Array<[1 | 2, Buffer]> = [[1, Buffer.from('hello ')], [2, Buffer.from('oops\n')], [1, Buffer.from('world\n')]]
  const wire = Buffer.concat(payloads.map(([type, payload]) => frame(type, payload)))
  const boundaries = new Set<number>([0])
  let at = 0
  for (const [, payload] of payloads) boundaries.add((at += 8 + payload.length))
  const problems: string[] = []
  for (let cut = 0; cut <= wire.length; cut++) {
    for (const how of ['end', 'destroy'] as const) {
      const {client, daemon} = await socketPair(t)
      if (how === 'end') daemon.end(wire.subarray(0, cut))
      else daemon.write(wire.subarray(0, cut), () => daemon.destroy())
      const r = await session({socket: client})
      // What should have arrived: every payload byte before the cut.
      const expected = {stdout: [] as Buffer[], stderr: [] as Buffer[]}
      let offset = 0
      for (const [type, payload] of payloads) {
        const start = offset + 8
        const got = payload.subarray(0, Math.max(0, Math.min(payload.length, cut - start)))
        ;(type === 1 ? expected.stdout : expected.stderr).push(got)
        offset = start + payload.length
      }
      if (!r.stdout.equals(Buffer.concat(expected.stdout)) || !r.stderr.equals(Buffer.concat(expected.stderr))) {
        problems.push(`${how} at ${cut}: got ${JSON.stringify(r.stdout.toString())} ${JSON.stringify(r.stderr.toString())}`)
      }
      if (boundaries.has(cut) ? r.error !== undefined : !(r.error instanceof TruncatedFrameError)) {
        problems.push(`${how} at ${cut}: ${r.error ? r.error.message : 'no error'}`)
      }
    }
  }
  t.same(problems, [], `every cut in ${wire.length} bytes, by FIN and by close`)
})

t.test('TTY: raw output is forwarded whole, and a cut is not an error (there is no framing to cut)', async (t) => {
  const {client, daemon} = await socketPair(t)
  const out = randomBytes(500_000)
  daemon.end(out)
  const r = await session({socket: client, tty: true}, {stdout: new Sink({highWaterMark: 1024, slow: true}), stderr: new Sink()})
  t.equal(r.error, undefined)
  t.ok(r.stdout.equals(out), 'every byte through a slow stdout')
})

t.test('TTY: a stdin write failing stops the input only; the output is all delivered', async (t) => {
  const {client, daemon} = await socketPair(t)
  const counter = failNthWrite(client, 1)
  const out = randomBytes(100_000)
  daemon.on('data', () => {})
  const waitForFailure = setInterval(() => {
    if (counter.writes() < 1) return
    clearInterval(waitForFailure)
    setTimeout(() => daemon.end(out), 20)
  }, 2)
  const r = await session({socket: client, tty: true, stdin: endlessInput()})
  t.equal(r.error, undefined)
  t.ok(r.stdout.equals(out))
})

t.test('our stdout closing early (EPIPE) ends the session as outputClosed and drops the connection', async (t) => {
  const {client, daemon} = await socketPair(t)
  const stdout = new Writable({
    write(_chunk, _e, callback) {
      callback(Object.assign(new Error('write EPIPE'), {code: 'EPIPE'}))
    },
  })
  daemon.on('data', () => {})
  daemon.write(frame(1, Buffer.from('first')))
  const closed = new Promise((resolve) => daemon.on('close', resolve))
  const r = await session({socket: client}, {stdout: stdout as Sink, stderr: new Sink()})
  t.same(r.result, {detached: false, outputClosed: true})
  await closed
  t.ok(client.destroyed, 'the connection is closed')
})

t.test('a stdout failing otherwise is a StreamError', async (t) => {
  const {client, daemon} = await socketPair(t)
  const stdout = new Writable({
    write(_chunk, _e, callback) {
      callback(Object.assign(new Error('no space left on device'), {code: 'ENOSPC'}))
    },
  })
  daemon.write(frame(1, Buffer.from('first')))
  const r = await session({socket: client}, {stdout: stdout as Sink, stderr: new Sink()})
  t.type(r.error, StreamError)
  t.match(r.error?.message, /cannot write output: no space left/)
})

t.test('stdin failing to read counts as its end: the daemon sees our half-close, and its output is delivered', async (t) => {
  const {client, daemon} = await socketPair(t)
  const stdin = new Readable({read() {}})
  stdin.push('some input')
  setTimeout(() => stdin.destroy(Object.assign(new Error('read EIO'), {code: 'EIO'})), 20)
  const received: Buffer[] = []
  daemon.on('data', (chunk: Buffer) => received.push(chunk))
  // Like `cat`: the output is what came in, sent once our side has half-closed.
  daemon.on('end', () => daemon.end(frame(1, Buffer.concat(received))))
  const r = await session({socket: client, stdin})
  t.equal(r.error, undefined)
  t.equal(r.stdout.toString(), 'some input')
})

t.test('stdin ending half-closes (exec); without halfClose it does not (attach without StdinOnce)', async (t) => {
  for (const halfClose of [true, false]) {
    const {client, daemon} = await socketPair(t)
    const sawEnd = new Promise<boolean>((resolve) => {
      daemon.on('end', () => resolve(true))
      setTimeout(() => resolve(false), 300)
    })
    daemon.on('data', () => {})
    const running = session({socket: client, stdin: Readable.from([Buffer.from('x')]), halfClose})
    t.equal(await sawEnd, halfClose, `halfClose ${halfClose}`)
    daemon.end()
    t.equal((await running).error, undefined)
  }
})

t.test('detach keys with a TTY end the session as detached', async (t) => {
  const {client, daemon} = await socketPair(t)
  daemon.on('data', () => {})
  const r = await session({socket: client, tty: true, detachKeys: [16, 17], stdin: Readable.from([Buffer.from([0x61, 16, 17])])})
  t.same(r.result, {detached: true, outputClosed: false})
})

t.test('an aborted signal ends the session as if the output had ended', async (t) => {
  const {client, daemon} = await socketPair(t)
  daemon.write(frame(1, Buffer.from('lingering')))
  const controller = new AbortController()
  // The output stays open, as a container's can after its exit: the abort alone ends the session.
  const stdout = new Sink()
  const r = session({socket: client, signal: controller.signal}, {stdout, stderr: new Sink()})
  while (stdout.chunks.length === 0) await new Promise((resolve) => setTimeout(resolve, 5))
  controller.abort()
  const outcome = await r
  t.same(outcome.result, {detached: false, outputClosed: false})
  t.equal(outcome.stdout.toString(), 'lingering')
})

t.test('endWhenQuiet: a lingering stream ends only once a slow stdout has taken everything the daemon sent', async (t) => {
  const {client, daemon} = await socketPair(t)
  const out = randomBytes(1024 * 1024)
  // The command was stopped, but the stream stays open (no EOF): only the quiet end can close it.
  daemon.write(frame(1, out))
  let taking = false
  const got: Buffer[] = []
  const waiting: Array<() => void> = []
  const stdout = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _e, callback) {
      got.push(Buffer.from(chunk))
      if (taking) setImmediate(callback)
      else waiting.push(callback)
    },
  })
  const quiet = new AbortController()
  const running = session({socket: client, endWhenQuiet: {signal: quiet.signal, everyMs: 50, talkMs: 5000}}, {stdout: stdout as Sink, stderr: new Sink()})
  quiet.abort()
  // stdout takes nothing for many quiet periods: the session must wait for it, not cut the socket.
  await new Promise((resolve) => setTimeout(resolve, 600))
  t.notOk(client.destroyed, 'still open while stdout is stuck')
  taking = true
  for (const callback of waiting.splice(0)) callback()
  const r = await running
  t.equal(r.error, undefined)
  t.ok(Buffer.concat(got).equals(out), `all ${out.length} bytes reached stdout (got ${Buffer.concat(got).length})`)
  t.ok(client.destroyed, 'then the session ended without an EOF from the daemon')
})

t.test('endWhenQuiet: a daemon that keeps talking while stdout keeps up is cut after talkMs', async (t) => {
  const {client, daemon} = await socketPair(t)
  const talk = setInterval(() => daemon.write(frame(1, Buffer.from('tick\n'))), 5)
  t.teardown(() => clearInterval(talk))
  const quiet = new AbortController()
  const stdout = new Sink()
  const running = session({socket: client, endWhenQuiet: {signal: quiet.signal, everyMs: 200, talkMs: 1000}}, {stdout, stderr: new Sink()})
  quiet.abort()
  // It ends (without talkMs it never would), with whole frames; a stalled event loop may end it sooner.
  const r = await running
  t.equal(r.error, undefined)
  t.match(r.stdout.toString(), /^(tick\n)*$/, 'whole frames up to the cut')
})

t.test('onBytes is told every byte read from the socket and from stdin', async (t) => {
  const {client, daemon} = await socketPair(t)
  let counted = 0
  const payload = randomBytes(50_000)
  daemon.on('data', () => {})
  daemon.on('end', () => daemon.end(frame(1, payload)))
  const r = await session({socket: client, stdin: Readable.from([randomBytes(30_000)]), onBytes: (n) => { counted += n }})
  t.equal(r.error, undefined)
  t.equal(counted, 30_000 + 8 + 50_000)
})
