// The fan-out's small parts: durations, the exit-code rule, --json lines, line prefixing, stdin copying.
import {PassThrough, Writable} from 'node:stream'
import t from 'tap'
import {parseDuration} from '../../src/cli/duration.js'
import {LinePrefixer, MAX_LINE, RawWriter} from '../../src/cli/fanout/line-prefixer.js'
import {OutputGate} from '../../src/cli/fanout/output-gate.js'
import {fanoutExitCode, jsonLine} from '../../src/cli/fanout/results.js'
import {parseFilters, parseNames} from '../../src/cli/fanout/selection.js'
import {StdinFanout} from '../../src/cli/fanout/stdin-fanout.js'
import {parseStopCommand, stopCommand} from '../../src/protocol/exec-stop.js'
import {UsageError} from '../../src/transport/errors.js'

/** A destination that takes `accept` writes before it needs a drain, and keeps what it got. */
class Sink extends Writable {
  readonly chunks: Buffer[] = []
  constructor(highWaterMark = 16) {
    super({highWaterMark})
  }
  override _write(chunk: Buffer, _e: BufferEncoding, cb: () => void): void {
    this.chunks.push(chunk)
    setImmediate(cb)
  }
  text(): string {
    return Buffer.concat(this.chunks).toString()
  }
}

const finished = (w: Writable): Promise<void> => new Promise((resolve) => w.end(resolve))
/** The writer handed everything on, and the destination has taken it all. */
const drained = async (w: Writable, sink: Writable): Promise<void> => {
  await finished(w)
  await finished(sink)
}

t.test('durations', async (t) => {
  t.equal(parseDuration('timeout', '500ms'), 500)
  t.equal(parseDuration('timeout', '30s'), 30_000)
  t.equal(parseDuration('timeout', '2m'), 120_000)
  t.equal(parseDuration('timeout', '1.5s'), 1500)
  t.equal(parseDuration('timeout', '3'), 3000, 'a bare number is seconds')
  for (const bad of ['', '0', '0s', '-1s', '1d', 'abc', '1e3', '30 s', '99999999999s']) {
    t.throws(() => parseDuration('timeout', bad), UsageError, JSON.stringify(bad))
  }
})

t.test('exit-code rule: 124 wins, else the first failure in selection order, else 0', async (t) => {
  t.equal(fanoutExitCode([{kind: 'ok'}, {kind: 'ok'}]), 0)
  t.equal(fanoutExitCode([{kind: 'ok'}, {kind: 'failed', code: 5}, {kind: 'failed', code: 7}]), 5)
  t.equal(fanoutExitCode([{kind: 'failed', code: 7}, {kind: 'failed', code: 5}]), 7)
  t.equal(fanoutExitCode([{kind: 'failed', code: 7}, {kind: 'timed-out'}]), 124)
  t.equal(fanoutExitCode([{kind: 'cancelled'}, {kind: 'failed', code: 2}]), 2, 'stopped by --fail-fast is not a failure')
  t.equal(fanoutExitCode([{kind: 'cancelled'}, {kind: 'ok'}]), 0)
})

t.test('--json line: the documented keys, in order', async (t) => {
  const line = jsonLine({container: 'a', host: 'unix:///x', exitCode: 3, durationMs: 12, bytesOut: 4, bytesErr: 0, error: null, timedOut: false})
  t.ok(line.endsWith('\n'))
  t.same(Object.keys(JSON.parse(line)), ['container', 'host', 'exitCode', 'durationMs', 'bytesOut', 'bytesErr', 'error', 'timedOut'])
})

t.test('selection flags', async (t) => {
  t.same(parseFilters(['label=a=b', 'name=web', 'label=c']), {label: ['a=b', 'c'], name: ['web']})
  t.throws(() => parseFilters(['label']), UsageError)
  t.throws(() => parseFilters(['=x']), UsageError)
  t.same(parseNames('a,b,c'), ['a', 'b', 'c'])
  t.throws(() => parseNames('a,,b'), UsageError)
})

t.test('stop command: the mock reads back what the client sends', async (t) => {
  const cmd = stopCommand('abc123', 1500)
  t.same(parseStopCommand(cmd), {token: 'abc123', killAfterMs: 1500})
  t.equal(parseStopCommand(['sh', '-c', 'echo hi']), undefined)
  t.equal(parseStopCommand([...cmd.slice(0, 5), 'x']), undefined)
})

t.test('line prefixer', async (t) => {
  t.test('every line prefixed, a last line without newline flushed with its prefix', async (t) => {
    const sink = new Sink()
    const w = new LinePrefixer('c1 | ', new OutputGate(sink))
    w.write('one\ntw')
    w.write('o\nthr')
    w.write(Buffer.from('ee\r\n\nlast'))
    await drained(w, sink)
    t.equal(sink.text(), 'c1 | one\nc1 | two\nc1 | three\r\nc1 | \nc1 | last\n')
    t.equal(w.bytes, 'one\ntwo\nthree\r\n\nlast'.length, 'counts the bytes before prefixing')
  })

  t.test('UTF-8 split between chunks stays whole', async (t) => {
    const sink = new Sink()
    const w = new LinePrefixer('x | ', new OutputGate(sink))
    const bytes = Buffer.from('héllo €\n')
    for (const b of bytes) w.write(Buffer.from([b]))
    await drained(w, sink)
    t.equal(sink.text(), 'x | héllo €\n')
  })

  t.test('a line longer than MAX_LINE is cut into prefixed pieces, no byte lost', async (t) => {
    const sink = new Sink(1024 * 1024)
    const w = new LinePrefixer('p | ', new OutputGate(sink))
    const long = 'a'.repeat(MAX_LINE * 2 + 10)
    for (let i = 0; i < long.length; i += 65536) w.write(long.slice(i, i + 65536))
    w.write('\nnext\n')
    await drained(w, sink)
    const lines = sink.text().split('\n')
    t.equal(lines.length, 5)
    t.ok(lines.slice(0, 3).every((l) => l.startsWith('p | ')))
    t.equal(lines.slice(0, 3).map((l) => l.slice(4)).join(''), long)
    t.equal(lines[3], 'p | next')
  })

  t.test('writes wait for a full destination (backpressure), nothing lost', async (t) => {
    let calls = 0
    const slow = new Writable({
      highWaterMark: 8,
      write(_chunk, _e, cb) {
        calls++
        setTimeout(cb, 1)
      },
    })
    const gate = new OutputGate(slow)
    const w = new LinePrefixer('s | ', gate)
    for (let i = 0; i < 200; i++) w.write(`line ${i}\n`)
    await finished(w)
    t.equal(calls, 200, 'every line written, one write each')
  })
})

t.test('raw writer passes bytes through unchanged', async (t) => {
  const sink = new Sink()
  const w = new RawWriter(new OutputGate(sink))
  const bytes = Buffer.from([0, 255, 10, 13, 0xc3])
  w.write(bytes)
  await drained(w, sink)
  t.same(Buffer.concat(sink.chunks), bytes)
  t.equal(w.bytes, 5)
})

t.test('stdin fan-out: every input gets every byte; the slowest sets the pace', async (t) => {
  const fanout = new StdinFanout()
  const fast = fanout.add()
  const slow = fanout.add()
  const gone = fanout.add()
  const got = {fast: [] as Buffer[], slow: [] as Buffer[]}
  fast.on('data', (c: Buffer) => got.fast.push(c))
  const source = new PassThrough()
  source.pipe(fanout)
  const chunk = Buffer.alloc(32 * 1024, 7)
  for (let i = 0; i < 20; i++) source.write(chunk)
  source.end()
  await new Promise((resolve) => setTimeout(resolve, 50))
  const fastSoFar = Buffer.concat(got.fast).length
  t.ok(fastSoFar < 20 * chunk.length, `the fast reader waits for the slow one (${fastSoFar} bytes so far)`)
  fanout.remove(gone) // a session that ended must not hold the others
  slow.on('data', (c: Buffer) => got.slow.push(c))
  await Promise.all([new Promise((r) => fast.on('end', r)), new Promise((r) => slow.on('end', r))])
  t.equal(Buffer.concat(got.fast).length, 20 * chunk.length)
  t.equal(Buffer.concat(got.slow).length, 20 * chunk.length)
})

t.test('stdin fan-out: an input removed from inside its own write (a socket write failing at once) holds nobody back', async (t) => {
  const fanout = new StdinFanout()
  const other = fanout.add()
  const failing = fanout.add()
  // A flowing input hands the chunk on within write(); a chunk of 64 KiB makes write() say "full".
  failing.on('data', () => fanout.remove(failing))
  const got: Buffer[] = []
  other.on('data', (c: Buffer) => got.push(c))
  const ended = new Promise((resolve) => other.on('end', resolve))
  const chunk = Buffer.alloc(64 * 1024, 1)
  for (let i = 0; i < 4; i++) fanout.write(chunk)
  fanout.end()
  // Only a guard against the old stall, which never ends: not a measure of speed.
  const stalled = new Promise((resolve) => setTimeout(resolve, 10_000, 'stalled').unref())
  t.equal(await Promise.race([ended, stalled]), undefined, 'the other input gets its end')
  t.equal(Buffer.concat(got).length, 4 * chunk.length, 'and every byte')
})
