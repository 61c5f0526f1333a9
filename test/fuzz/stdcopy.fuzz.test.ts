// Properties of the stdcopy demuxer: on any bytes, cut into any chunks, with a destination that
// applies backpressure, it delivers exactly what a plain reading of the frames gives, ends with
// nothing but a ProtocolError, and never stalls.
import {Writable} from 'node:stream'
import fc from 'fast-check'
import t from 'tap'
import {ProtocolError} from '../../src/protocol/errors.js'
import {StdcopyDemuxer, SystemErrorFrame, TruncatedFrameError, frameHeader} from '../../src/protocol/stdcopy.js'
import {check} from './fuzz-config.js'
import {chunked, cuts} from './arbitraries.js'

type Outcome = 'ok' | 'truncated' | 'systemerr' | 'unknown-type'

/** The frames read one after another, the obvious way: what the demuxer must deliver. */
function model(bytes: Buffer): {out: Buffer; err: Buffer; outcome: Outcome} {
  const out: Buffer[] = []
  const err: Buffer[] = []
  let at = 0
  let outcome: Outcome = 'ok'
  while (at < bytes.length) {
    if (bytes.length - at < 8) { outcome = 'truncated'; break }
    const type = bytes[at]
    const size = bytes.readUInt32BE(at + 4)
    at += 8
    if (type > 3) { outcome = 'unknown-type'; break }
    const payload = bytes.subarray(at, at + size)
    if (type === 3) { outcome = 'systemerr'; break }
    ;(type === 2 ? err : out).push(payload)
    if (payload.length < size) { outcome = 'truncated'; break }
    at += size
  }
  return {out: Buffer.concat(out), err: Buffer.concat(err), outcome}
}

/** A destination that takes 1 to 3 event-loop turns per chunk and says "full" past 16 bytes. */
function slowSink(): {sink: Writable; bytes: () => Buffer} {
  const got: Buffer[] = []
  const sink = new Writable({
    highWaterMark: 16,
    write(chunk: Buffer, _e, cb) {
      got.push(Buffer.from(chunk))
      if (got.length % 3 === 0) setImmediate(() => setImmediate(cb))
      else setImmediate(cb)
    },
  })
  return {sink, bytes: () => Buffer.concat(got)}
}

async function demux(chunks: Buffer[]): Promise<{out: Buffer; err: Buffer; error: Error | undefined}> {
  const out = slowSink()
  const err = slowSink()
  const demuxer = new StdcopyDemuxer({stdout: out.sink, stderr: err.sink})
  const error = await new Promise<Error | undefined>((resolve) => {
    demuxer.on('finish', () => resolve(undefined))
    demuxer.on('error', resolve)
    for (const chunk of chunks) demuxer.write(chunk)
    demuxer.end()
  })
  // What the demuxer handed on is all written once the sinks have finished.
  await Promise.all([out, err].map(({sink}) => new Promise((r) => sink.end(r))))
  return {out: out.bytes(), err: err.bytes(), error}
}

const frame = fc
  .record({type: fc.constantFrom(0, 1, 1, 1, 2, 2, 3), payload: fc.uint8Array({maxLength: 200})})
  .map(({type, payload}) => Buffer.concat([frameHeader(type as 0 | 1 | 2 | 3, payload.length), payload]))
/** Well-formed frames, sometimes followed by a cut or by garbage; or plain random bytes. */
const streamBytes = fc.oneof(
  {weight: 3, arbitrary: fc.tuple(fc.array(frame, {maxLength: 8}), fc.uint8Array({maxLength: 12}), fc.boolean()).map(([frames, tail, cut]) => {
    const all = Buffer.concat([...frames, Buffer.from(tail)])
    return cut && all.length > 0 ? all.subarray(0, all.length - 1 - (tail.length % all.length)) : all
  })},
  {weight: 1, arbitrary: fc.uint8Array({maxLength: 64}).map((a) => Buffer.from(a))},
)

t.test('the demuxer delivers what the frames say, on any bytes and any chunking', async (t) => {
  await check(t, 'stdcopy: demux == model', fc.asyncProperty(chunked(streamBytes), async ({bytes, chunks}) => {
    const want = model(bytes)
    const got = await demux(chunks)
    if (got.error !== undefined && !(got.error instanceof ProtocolError)) throw got.error
    const outcome: Outcome = got.error === undefined ? 'ok'
      : got.error instanceof TruncatedFrameError ? 'truncated'
        : got.error instanceof SystemErrorFrame ? 'systemerr' : 'unknown-type'
    return outcome === want.outcome && got.out.equals(want.out) && got.err.equals(want.err)
  }), 150, 5000)
})

t.test('well-formed frames round-trip: every payload byte arrives, in order, on its stream', async (t) => {
  const frames = fc.array(fc.record({type: fc.constantFrom(1, 2), payload: fc.uint8Array({minLength: 1, maxLength: 300})}), {maxLength: 10})
  await check(t, 'stdcopy: round-trip', fc.asyncProperty(frames, cuts, async (list, at) => {
    const bytes = Buffer.concat(list.flatMap(({type, payload}) => [frameHeader(type as 1 | 2, payload.length), Buffer.from(payload)]))
    const got = await demux(at(bytes))
    const want = (type: number): Buffer => Buffer.concat(list.filter((f) => f.type === type).map((f) => f.payload))
    return got.error === undefined && got.out.equals(want(1)) && got.err.equals(want(2))
  }), 100, 5000)
})
