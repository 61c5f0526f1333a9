import {createHash, randomBytes} from 'node:crypto'
import {PassThrough, Writable} from 'node:stream'
import t from 'tap'
import {StdcopyDemuxer, SystemErrorFrame, TruncatedFrameError, frameHeader, writeFrame} from '../../src/protocol/stdcopy.js'
import {expectedFailure} from '../../src/cli/report.js'
import {ProtocolError} from '../../src/protocol/errors.js'

class Collect extends Writable {
  chunks: Buffer[] = []
  override _write(chunk: Buffer, _e: BufferEncoding, cb: () => void): void {
    this.chunks.push(Buffer.from(chunk))
    cb()
  }
  get text(): string {
    return Buffer.concat(this.chunks).toString()
  }
}

function frame(type: 0 | 1 | 2 | 3, payload: string | Buffer): Buffer {
  const body = Buffer.from(payload)
  return Buffer.concat([frameHeader(type, body.length), body])
}

async function demux(chunks: Buffer[]): Promise<{out: Collect; err: Collect; error?: Error}> {
  const out = new Collect()
  const err = new Collect()
  const demuxer = new StdcopyDemuxer({stdout: out, stderr: err})
  const done = new Promise<Error | undefined>((resolve) => {
    demuxer.on('finish', () => resolve(undefined))
    demuxer.on('error', resolve)
  })
  for (const chunk of chunks) demuxer.write(chunk)
  demuxer.end()
  return {out, err, error: await done}
}

const stream = Buffer.concat([frame(1, 'hello '), frame(2, 'oops\n'), frame(0, 'in'), frame(1, 'world\n')])

t.test('many frames in one chunk go to the right stream', async (t) => {
  const {out, err, error} = await demux([stream])
  t.equal(error, undefined)
  t.equal(out.text, 'hello inworld\n', 'types 0 and 1 go to stdout')
  t.equal(err.text, 'oops\n')
})

t.test('split at every offset, and byte by byte', async (t) => {
  for (let cut = 1; cut < stream.length; cut++) {
    const {out, err, error} = await demux([stream.subarray(0, cut), stream.subarray(cut)])
    if (error || out.text !== 'hello inworld\n' || err.text !== 'oops\n') t.fail(`split at ${cut}: ${out.text}|${err.text}|${error}`)
  }
  const bytes = [...stream].map((b) => Buffer.from([b]))
  const {out, err} = await demux(bytes)
  t.equal(out.text, 'hello inworld\n')
  t.equal(err.text, 'oops\n')
})

t.test('payload slices are not copied', async (t) => {
  const chunk = frame(1, 'abcdef')
  const seen: Buffer[] = []
  const out = new Writable({write(c: Buffer, _e, cb) { seen.push(c); cb() }})
  const demuxer = new StdcopyDemuxer({stdout: out, stderr: new Collect()})
  await new Promise<void>((resolve) => demuxer.end(chunk, resolve))
  t.equal(seen.length, 1)
  t.equal(seen[0].buffer, chunk.buffer, 'the slice shares the chunk memory')
})

t.test('EOF inside a payload delivers the partial bytes and reports truncation', async (t) => {
  const whole = frame(1, 'partial-frame')
  const {out, error} = await demux([whole.subarray(0, whole.length - 5)])
  t.equal(out.text, 'partial-')
  t.type(error, TruncatedFrameError)
  t.type(error, ProtocolError)
  t.equal(expectedFailure(error)?.exitCode, 1, 'the CLI reports it as stream trouble: exit 1')
  t.match(error?.message, /5 bytes missing/)
})

t.test('EOF inside a header is reported', async (t) => {
  const {out, error} = await demux([frame(1, 'ok'), frame(1, 'next').subarray(0, 3)])
  t.equal(out.text, 'ok')
  t.type(error, TruncatedFrameError)
  t.match(error?.message, /header/)
})

t.test('systemerr frame becomes an error with its text', async (t) => {
  const {out, error} = await demux([frame(1, 'before'), frame(3, 'container exploded\n'), frame(1, 'after')])
  t.equal(out.text, 'before')
  t.type(error, SystemErrorFrame)
  t.match(error?.message, /container exploded/)
})

t.test('unknown stream type is an error, not garbage on stdout', async (t) => {
  const {out, error} = await demux([Buffer.from('\x1b[0mplain tty text')])
  t.equal(out.text, '')
  t.type(error, ProtocolError)
  t.match(error?.message, /unknown stream type 27/)
})

t.test('backpressure: parsing waits for drain; memory stays bounded', async (t) => {
  const payload = randomBytes(4 * 1024 * 1024)
  let buffered = 0
  let maxBuffered = 0
  const hash = createHash('sha256')
  // A slow stdout with a tiny buffer that drains on a timer.
  const slow = new Writable({
    highWaterMark: 16 * 1024,
    write(chunk: Buffer, _e, cb) {
      hash.update(chunk)
      buffered += chunk.length
      maxBuffered = Math.max(maxBuffered, buffered)
      setImmediate(() => {
        buffered -= chunk.length
        cb()
      })
    },
  })
  const demuxer = new StdcopyDemuxer({stdout: slow, stderr: new Collect()})
  const source = new PassThrough()
  source.pipe(demuxer)
  // Frames of 256 KiB, written as the pipe allows.
  for (let offset = 0; offset < payload.length; offset += 256 * 1024) {
    if (!writeFrame(source, 1, payload.subarray(offset, offset + 256 * 1024))) {
      await new Promise((resolve) => source.once('drain', resolve))
    }
  }
  source.end()
  await new Promise((resolve) => demuxer.on('finish', resolve))
  t.equal(hash.digest('hex'), createHash('sha256').update(payload).digest('hex'))
  t.equal(demuxer.delivered.stdout, payload.length)
  t.ok(maxBuffered <= 512 * 1024, `at most one chunk in flight to stdout (max ${maxBuffered})`)
})

t.test('writeFrame: header then payload, empty payload sends nothing', async (t) => {
  const out = new Collect()
  writeFrame(out, 2, Buffer.from('abc'))
  writeFrame(out, 1, Buffer.alloc(0))
  t.same(Buffer.concat(out.chunks), Buffer.from([2, 0, 0, 0, 0, 0, 0, 3, 97, 98, 99]))
})
