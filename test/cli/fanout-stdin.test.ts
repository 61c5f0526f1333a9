// -i in fan-out: one container whose stdin write fails must not stall the others' stdin. runTarget over
// real socket pairs with a fake API, the far ends playing the daemons: two `cat`-like execs read all of
// our stdin while the third's connection refuses its stdin and keeps its output open.
import {createHash, randomBytes} from 'node:crypto'
import {PassThrough, Readable} from 'node:stream'
import t from 'tap'
import {RawWriter} from '../../src/cli/fanout/line-prefixer.js'
import {OutputGate} from '../../src/cli/fanout/output-gate.js'
import {StdinFanout} from '../../src/cli/fanout/stdin-fanout.js'
import {runTarget, type TargetResult} from '../../src/cli/fanout/target-session.js'
import {frameHeader} from '../../src/protocol/stdcopy.js'
import type {DockerApi} from '../../src/transport/docker-api.js'
import {failNthWrite, socketPair} from '../helpers/socket-pair.js'

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')
const frame = (payload: Buffer): Buffer => Buffer.concat([frameHeader(1, payload.length), payload])
/** How long the stuck container holds its output open if the others never finish (the old stall). */
const HOLD_MS = 20_000

/** More with HIJACK_STRESS_RUNS (the load check runs 30). */
const RUNS = Number(process.env.HIJACK_STRESS_RUNS ?? 2)

for (let run = 0; run < RUNS; run++) t.test(`run ${run}: a stdin write failing in one session stops only its input: the others get all of stdin`, async (t) => {
  const data = randomBytes(4 * 1024 * 1024)
  const fanout = new StdinFanout()
  const inputs = [0, 1, 2].map(() => fanout.add())
  const pairs = await Promise.all(inputs.map(() => socketPair(t)))

  // c0 and c1 act as `cat | sha256sum`: they answer with the digest of what they read once we half-close.
  for (const {daemon} of pairs.slice(0, 2)) {
    const hash = createHash('sha256')
    daemon.on('data', (chunk: Buffer) => hash.update(chunk))
    daemon.on('end', () => daemon.end(frame(Buffer.from(hash.digest('hex')))))
  }
  // c2's stdin fails at our second write, and its output stays open until the others are done.
  const stuck = pairs[2]
  failNthWrite(stuck.client, 2)
  stuck.daemon.on('data', () => {})
  let releasedBy: 'the others' | 'the hold' | undefined
  const release = (by: 'the others' | 'the hold'): void => {
    if (releasedBy) return
    releasedBy = by
    stuck.daemon.end(frame(Buffer.from('bye')))
  }
  const hold = setTimeout(() => release('the hold'), HOLD_MS)
  t.teardown(() => clearTimeout(hold))

  const outputs = inputs.map(() => new PassThrough())
  const collected = outputs.map((out) => {
    const chunks: Buffer[] = []
    out.on('data', (chunk: Buffer) => chunks.push(chunk))
    return chunks
  })
  const run = (input: PassThrough, index: number): Promise<TargetResult> => {
    const api = {
      createExec: async () => `exec${index}`,
      startExec: async () => ({socket: pairs[index].client, headers: {}}),
      inspectExec: async () => ({Running: false, ExitCode: 0}),
    } as unknown as DockerApi
    const writer = (): RawWriter => new RawWriter(new OutputGate(outputs[index]))
    return runTarget({
      target: {label: `c${index}`, ref: `c${index}`, api: Promise.resolve(api), record: {container: `c${index}`, host: 'unix:///nowhere'}},
      input,
      releaseInput: () => fanout.remove(input),
      writers: {stdout: writer(), stderr: writer()},
      cancel: new AbortController().signal,
      say: () => {},
    }, {cmd: ['cat'], env: [], killAfterMs: 1000}).finally(() => fanout.remove(input)) // as fanout-main does
  }

  Readable.from(chunks(data, 64 * 1024)).pipe(fanout)
  const cats = Promise.all([run(inputs[0], 0), run(inputs[1], 1)]).then((results) => {
    release('the others')
    return results
  })
  const [results, stuckResult] = await Promise.all([cats, run(inputs[2], 2)])
  t.equal(releasedBy, 'the others', 'the others finished while the stuck one still held its output open')
  for (const index of [0, 1]) {
    t.equal(results[index].verdict.kind, 'ok', `c${index} ok`)
    t.equal(Buffer.concat(collected[index]).toString(), sha(data), `c${index} read every byte of stdin`)
  }
  t.equal(stuckResult.verdict.kind, 'ok')
  t.equal(Buffer.concat(collected[2]).toString(), 'bye', 'the stuck one still delivers its output')
})

function* chunks(data: Buffer, size: number): Generator<Buffer> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size)
}
