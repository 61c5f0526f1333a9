// The attach `logs` ring buffer against a plain model (every byte with its stream, cut to the budget).
import {randomBytes} from 'node:crypto'
import t from 'tap'
import {OutputLog} from '../../../src/mock-daemon/engine/output-log.js'
import {STDERR, STDOUT} from '../../../src/protocol/stdcopy.js'

type Type = typeof STDOUT | typeof STDERR

/** The model: all bytes and their types, then the newest `limit` of them, grouped into runs. */
function expected(pushes: [Type, Buffer][], limit: number): {type: Type; data: string}[] {
  const bytes = Buffer.concat(pushes.map(([, d]) => d))
  const types = pushes.flatMap(([type, d]) => Array<Type>(d.length).fill(type))
  const from = Math.max(0, bytes.length - limit)
  const runs: {type: Type; data: string}[] = []
  for (let i = from; i < bytes.length; i++) {
    const last = runs.at(-1)
    const byte = bytes.subarray(i, i + 1).toString('hex')
    if (last && last.type === types[i]) last.data += byte
    else runs.push({type: types[i], data: byte})
  }
  return runs
}

const actual = (log: OutputLog) => log.replay().map(({type, data}) => ({type, data: data.toString('hex')}))

t.test('keeps the newest bytes and their streams, whatever the chunk sizes', async (t) => {
  let seed = 7
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    return seed % n
  }
  // Past 16 KiB the ring starts smaller than the budget and grows while bytes wrap around.
  for (const limit of [1, 5, 64, 1000, 40_000]) {
    for (let round = 0; round < (limit > 16_384 ? 4 : 20); round++) {
      const log = new OutputLog(limit)
      const pushes: [Type, Buffer][] = []
      for (let i = 0; i < 40; i++) {
        const size = [0, 1, 3, limit - 1, limit, limit + 2, random(2 * limit + 1)][random(7)]
        const push: [Type, Buffer] = [random(2) ? STDOUT : STDERR, randomBytes(Math.max(0, size))]
        pushes.push(push)
        log.push(...push)
        const want = expected(pushes, limit)
        const got = actual(log)
        if (JSON.stringify(got) !== JSON.stringify(want)) {
          t.same(got, want, `limit ${limit}, round ${round}, after push ${i}`)
          return
        }
      }
    }
  }
  t.pass('replay matched the model after every push')
})

t.test('the log does not keep a reference to the pushed buffers', async (t) => {
  const log = new OutputLog(16)
  const chunk = Buffer.from('abcd')
  log.push(STDOUT, chunk)
  chunk.fill('z')
  t.equal(log.replay()[0].data.toString(), 'abcd')
})

t.test('a zero budget keeps nothing', async (t) => {
  const log = new OutputLog(0)
  log.push(STDOUT, Buffer.from('abc'))
  t.same(log.replay(), [])
})

t.test('too many stream switches: the oldest runs go, the run list stays bounded', async (t) => {
  const log = new OutputLog(1000, 10)
  for (let i = 0; i < 30; i++) log.push(i % 2 ? STDERR : STDOUT, Buffer.from(String(i % 10)))
  const entries = log.replay()
  t.equal(entries.length, 10)
  t.same(entries.map((e) => e.data.toString()).join(''), '0123456789', 'the newest ten single-byte runs')
  t.equal(entries[0].type, STDOUT)
})

t.test('1-byte chunks: memory follows the bytes kept, not the number of chunks', async (t) => {
  const limit = 1024 * 1024
  const log = new OutputLog(limit)
  const byte = Buffer.from('x')
  globalThis.gc?.()
  const before = process.memoryUsage()
  for (let i = 0; i < 4 * limit; i++) log.push(STDOUT, byte)
  globalThis.gc?.()
  const after = process.memoryUsage()
  t.equal(log.length, limit)
  const grown = after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers
  // The ring is 1 MiB; an entry per chunk (the old log) grew by well over 100 MiB here.
  t.ok(grown < 8 * 1024 * 1024, `grew ${(grown / 1048576).toFixed(1)} MiB for 4 Mi pushes`)
  t.same(log.replay().map((e) => e.data.length), [limit])
})
