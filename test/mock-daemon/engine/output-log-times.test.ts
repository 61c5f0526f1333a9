// OutputLog.replayTimed: the kept bytes split where the stream or the arrival millisecond changes,
// each with its time, within the byte budget and a bounded number of time marks.
import t from 'tap'
import {STDERR, STDOUT} from '../../../src/protocol/stdcopy.js'
import {OutputLog} from '../../../src/mock-daemon/engine/output-log.js'

const view = (log: OutputLog) => log.replayTimed().map(({type, data, time}) => [type, data.toString(), time])

t.test('split by type and by time; same millisecond stays together', async (t) => {
  const log = new OutputLog(1024)
  log.push(STDOUT, Buffer.from('a'), 10)
  log.push(STDOUT, Buffer.from('b'), 10)
  log.push(STDOUT, Buffer.from('c\n'), 11)
  log.push(STDERR, Buffer.from('e'), 11)
  log.push(STDOUT, Buffer.from('d'), 12)
  t.same(view(log), [[STDOUT, 'ab', 10], [STDOUT, 'c\n', 11], [STDERR, 'e', 11], [STDOUT, 'd', 12]])
  t.same(log.replay().map((e) => e.data.toString()), ['abc\n', 'e', 'd'], 'replay() still merges runs')
})

t.test('over the budget: the oldest bytes go, the times of the rest stay right', async (t) => {
  const log = new OutputLog(4)
  log.push(STDOUT, Buffer.from('12'), 1)
  log.push(STDOUT, Buffer.from('34'), 2)
  log.push(STDOUT, Buffer.from('56'), 3)
  t.same(view(log), [[STDOUT, '34', 2], [STDOUT, '56', 3]])
  log.push(STDOUT, Buffer.from('abcdefgh'), 4)
  t.same(view(log), [[STDOUT, 'efgh', 4]], 'a chunk over the budget keeps its tail')
})

t.test('marks are bounded: past maxRuns the oldest bytes take a later time', async (t) => {
  const log = new OutputLog(1024, 4)
  for (let i = 0; i < 10; i++) log.push(STDOUT, Buffer.from(String(i)), 100 + i)
  const entries = view(log)
  t.equal(entries.map((e) => e[1]).join(''), '0123456789', 'no byte lost')
  t.ok(entries.length <= 5, `at most maxRuns + 1 stretches (${entries.length})`)
  t.same(entries.at(-1), [STDOUT, '9', 109])
})
