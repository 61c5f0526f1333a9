import {PassThrough} from 'node:stream'
import t from 'tap'
import {resolveDetachKeys} from '../../src/cli/terminal-session.js'
import {DetachKeyFilter, DetachKeysError, parseDetachKeys} from '../../src/protocol/detach-keys.js'
import {ProtocolError} from '../../src/protocol/errors.js'
import {UsageError} from '../../src/transport/errors.js'

t.test('parses Docker key syntax', async (t) => {
  t.same(parseDetachKeys('ctrl-p,ctrl-q'), [16, 17])
  t.same(parseDetachKeys('ctrl-a,x,ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_'), [1, 120, 0, 27, 28, 29, 30, 31])
  t.same(parseDetachKeys('ctrl-Z'), [26])
  t.throws(() => parseDetachKeys('ctrl-'), /Invalid detach keys \(ctrl-\)/)
  t.throws(() => parseDetachKeys('ctrl-1'), /Invalid detach keys/)
  t.throws(() => parseDetachKeys('ab'), /Invalid detach keys/)
  t.throws(() => parseDetachKeys('ab'), DetachKeysError, 'a neutral error: each side decides what it means')
  t.notOk(parseDetachKeysError('ab') instanceof UsageError, 'the grammar knows nothing of exit codes')
  t.ok(parseDetachKeysError('ab') instanceof ProtocolError)
})

async function run(keys: number[], chunks: Buffer[]): Promise<{out: Buffer; detached: boolean}> {
  const filter = new DetachKeyFilter(keys)
  const sink = new PassThrough()
  const out: Buffer[] = []
  sink.on('data', (c: Buffer) => out.push(c))
  let detached = false
  filter.on('detach', () => { detached = true })
  filter.pipe(sink)
  for (const chunk of chunks) filter.write(chunk)
  filter.end()
  await new Promise((resolve) => sink.on('end', resolve))
  return {out: Buffer.concat(out), detached}
}

const P = 16
const Q = 17

t.test('the sequence detaches; bytes before it pass, bytes after are swallowed', async (t) => {
  const r = await run([P, Q], [Buffer.from([97, 98, P, Q, 99])])
  t.ok(r.detached)
  t.same([...r.out], [97, 98])
})

t.test('sequence split across chunks', async (t) => {
  const r = await run([P, Q], [Buffer.from([97, P]), Buffer.from([Q])])
  t.ok(r.detached)
  t.same([...r.out], [97])
})

t.test('a held prefix is released when the next byte does not match', async (t) => {
  const r = await run([P, Q], [Buffer.from([97, P]), Buffer.from([98, 99])])
  t.notOk(r.detached)
  t.same([...r.out], [97, P, 98, 99])
})

t.test('prefix, then the prefix again, then completion', async (t) => {
  const r = await run([P, Q], [Buffer.from([P, P, Q])])
  t.ok(r.detached)
  t.same([...r.out], [P])
})

t.test('a prefix held at EOF is flushed, not lost', async (t) => {
  const r = await run([P, Q], [Buffer.from([97, P])])
  t.notOk(r.detached)
  t.same([...r.out], [97, P])
})

t.test('every byte value passes untouched when no sequence occurs', async (t) => {
  const all = Buffer.from(Array.from({length: 256}, (_, i) => i).filter((b) => b !== P))
  const r = await run([P, Q], [all.subarray(0, 100), all.subarray(100)])
  t.same(r.out, all)
})

function parseDetachKeysError(spec: string): unknown {
  try {
    parseDetachKeys(spec)
  } catch (error) {
    return error
  }
  return undefined
}

t.test('the CLI maps a bad spec to its usage error (exit 125)', async (t) => {
  t.same(resolveDetachKeys('ctrl-x').keys, [24])
  let error: unknown
  try {
    resolveDetachKeys('ctrl-')
  } catch (caught) {
    error = caught
  }
  t.type(error, UsageError)
  t.equal((error as UsageError).exitCode, 125)
  t.match((error as Error).message, /Invalid detach keys \(ctrl-\)/)
})
