// BuiltinRuntime: in-process built-in programs for the mock daemon's "builtin" runtime.
import t from 'tap'
import {createHash, randomBytes} from 'node:crypto'
import {once} from 'node:events'
import {Readable, Writable} from 'node:stream'
import {setTimeout as delay} from 'node:timers/promises'
import {setFlagsFromString} from 'node:v8'
import {runInNewContext} from 'node:vm'
import {BuiltinRuntime} from '../../../src/mock-daemon/engine/runtime-builtin.js'
import type {MockProcess, SpawnSpec} from '../../../src/mock-daemon/engine/runtime.js'

const rt = new BuiltinRuntime()

function spawn(cmd: string[], extra: Partial<SpawnSpec> = {}): MockProcess {
  return rt.spawn({cmd, env: [], tty: false, ...extra})
}

async function collect(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const c of s) chunks.push(Buffer.from(c))
  return Buffer.concat(chunks)
}

async function run(
  cmd: string[],
  extra: Partial<SpawnSpec> = {},
  input?: string,
): Promise<{stdout: string; stderr: string; code: number}> {
  const p = spawn(cmd, extra)
  if (input !== undefined) p.stdin.end(input)
  // Wait for the exit first: the streams must already be ended (push(null)) by then,
  // so reading them afterwards still yields everything and terminates.
  const code = await p.exited
  const [stdout, stderr] = await Promise.all([collect(p.stdout), collect(p.stderr)])
  return {stdout: stdout.toString(), stderr: stderr.toString(), code}
}

t.test('echo', async (t) => {
  t.same(await run(['echo', 'hello', 'world']), {stdout: 'hello world\n', stderr: '', code: 0})
  t.same(await run(['echo']), {stdout: '\n', stderr: '', code: 0}, 'no args: a newline')
  t.same(await run(['echo', '-n', 'a', 'b']), {stdout: 'a b', stderr: '', code: 0}, '-n: no newline')
  t.same(await run(['echo', '-n']), {stdout: '', stderr: '', code: 0}, '-n alone: nothing')
  t.same(await run(['echo', 'a', '-n']), {stdout: 'a -n\n', stderr: '', code: 0}, '-n only as first arg')
  t.same(await run(['/bin/echo', 'x']), {stdout: 'x\n', stderr: '', code: 0}, 'a path runs its basename')
})

t.test('true, false, exit', async (t) => {
  t.same(await run(['true']), {stdout: '', stderr: '', code: 0})
  t.same(await run(['false']), {stdout: '', stderr: '', code: 1})
  t.same(await run(['/usr/bin/false']), {stdout: '', stderr: '', code: 1})
  t.same(await run(['exit', '42']), {stdout: '', stderr: '', code: 42})
  t.same(await run(['exit']), {stdout: '', stderr: '', code: 0})
  t.equal((await run(['exit', '256'])).code, 0, 'exit codes wrap at 256')
  t.equal((await run(['exit', '-1'])).code, 255, 'negative wraps too')
  const bad = await run(['exit', 'abc'])
  t.equal(bad.code, 2)
  t.match(bad.stderr, /Illegal number: abc/)
})

t.test('unknown program: 127 and a message on stderr', async (t) => {
  const r = await run(['nope', 'arg'])
  t.equal(r.code, 127)
  t.equal(r.stdout, '')
  t.equal(r.stderr, 'exec: "nope": executable file not found in $PATH\n')
  const sh = await run(['sh', '-c', 'echo hi'])
  t.equal(sh.code, 127, 'sh -c is not supported')
  t.equal(sh.stderr, 'exec: "sh": executable file not found in $PATH\n')
  const empty = await run([])
  t.equal(empty.code, 127, 'empty cmd')
})

t.test('spawn never throws', async (t) => {
  const p = rt.spawn({cmd: undefined as unknown as string[], env: [], tty: false})
  t.equal(await p.exited, 127)
  const q = rt.spawn(undefined as unknown as SpawnSpec)
  t.equal(await q.exited, 127)
  t.equal(p.pid, undefined, 'no pid')
  t.doesNotThrow(() => p.resize(10, 10), 'resize is a no-op')
})

t.test('cat', async (t) => {
  t.same(await run(['cat'], {}, 'abc\ndef'), {stdout: 'abc\ndef', stderr: '', code: 0})
  t.same(await run(['cat', '-'], {}, 'dash'), {stdout: 'dash', stderr: '', code: 0}, '- is stdin')
  const f = await run(['cat', '/etc/passwd', 'x'])
  t.equal(f.code, 1)
  t.equal(f.stdout, '')
  t.equal(f.stderr, 'cat: /etc/passwd: No such file or directory\ncat: x: No such file or directory\n')

  const p = spawn(['cat'])
  p.stdin.destroy()
  t.equal(await p.exited, 0, 'a destroyed stdin is EOF')
  t.equal((await collect(p.stdout)).length, 0)
})

t.test('cat round-trips 8 MiB with backpressure and a slow consumer', async (t) => {
  const total = 8 * 1024 * 1024
  const data = randomBytes(total)
  const want = createHash('sha256').update(data).digest('hex')
  const p = spawn(['cat'])
  const bound = 256 * 1024
  let maxBuffered = 0
  const sample = () => {
    const b = p.stdout.readableLength + p.stdin.writableLength
    if (b > maxBuffered) maxBuffered = b
  }

  let refusals = 0
  const writer = (async () => {
    let off = 0
    let i = 0
    while (off < total) {
      const n = Math.min(total - off, 1 + ((i++ * 7919) % (64 * 1024)))
      const ok = p.stdin.write(data.subarray(off, off + n))
      off += n
      sample()
      if (!ok) {
        refusals++
        await once(p.stdin, 'drain')
      }
    }
    p.stdin.end()
  })()

  const hash = createHash('sha256')
  let got = 0
  let reads = 0
  let ended = false
  p.stdout.once('end', () => (ended = true))
  while (!ended) {
    const c: Buffer | null = p.stdout.read()
    sample()
    if (c === null) {
      await Promise.race([once(p.stdout, 'readable'), once(p.stdout, 'end')])
      continue
    }
    hash.update(c)
    got += c.length
    if (++reads % 4 === 0) await delay(1) // slow consumer: the producer must wait
  }
  await writer
  t.equal(await p.exited, 0)
  t.equal(got, total, 'byte count')
  t.equal(hash.digest('hex'), want, 'sha256')
  t.ok(refusals > 0, `the writer was pushed back (${refusals} times)`)
  t.ok(maxBuffered <= bound, `buffered at most ${maxBuffered} bytes (bound ${bound})`)
  t.comment(`cat: max buffered ${maxBuffered} B, writer refusals ${refusals}`)
})

t.test('cat killed while a write is held back lets the writer go on', async (t) => {
  const p = spawn(['cat'])
  const big = Buffer.alloc(256 * 1024)
  let done = false
  p.stdin.write(big, () => (done = true))
  await delay(5)
  t.notOk(done, 'write held back: nobody reads stdout')
  p.kill('SIGTERM')
  t.equal(await p.exited, 143)
  await delay(0)
  t.ok(done, 'held write released')
  p.stdin.write('after exit: discarded')
  p.stdin.end()
  await once(p.stdin, 'finish')
  t.equal((await collect(p.stdout)).length, big.length, 'what was written before the kill is still readable')
})

t.test('yes', async (t) => {
  const p = spawn(['yes'])
  let got = 0
  let text = ''
  for await (const c of p.stdout) {
    if (got < 64) text += c.toString()
    got += c.length
    if (got >= 1024 * 1024) break // destroys stdout...
  }
  // ...so test kill with a stream that is still open:
  const q = spawn(['yes'])
  let qgot = 0
  const onData = (c: Buffer) => {
    qgot += c.length
    if (qgot >= 1024 * 1024) {
      q.stdout.off('data', onData)
      q.stdout.pause()
      q.kill('SIGTERM')
    }
  }
  q.stdout.on('data', onData)
  t.equal(await q.exited, 143, 'yes killed with SIGTERM after 1 MiB: 143')
  t.ok(qgot >= 1024 * 1024)
  t.ok(text.startsWith('y\ny\ny\n'))
  t.equal(await p.exited, 141, 'destroying stdout under yes: SIGPIPE (141)')

  const r = spawn(['yes', 'hello', 'there'])
  const first = (await r.stdout[Symbol.asyncIterator]().next()).value as Buffer
  t.ok(first.toString().startsWith('hello there\nhello there\n'))
  t.equal(first.length % 'hello there\n'.length, 0, 'whole lines per chunk')
  await delay(5)
  t.ok(r.stdout.readableLength <= 64 * 1024, `unread output stays bounded (${r.stdout.readableLength})`)
  r.kill('SIGKILL')
  t.equal(await r.exited, 137)
})

t.test('sleep', async (t) => {
  const t0 = Date.now()
  t.same(await run(['sleep', '0.05']), {stdout: '', stderr: '', code: 0})
  t.ok(Date.now() - t0 >= 40, 'it did wait')

  const p = spawn(['sleep', '100'])
  p.kill('SIGKILL')
  t.equal(await p.exited, 137)
  const q = spawn(['sleep', 'infinity'])
  q.kill('SIGINT')
  t.equal(await q.exited, 130)
  const w = spawn(['sleep', '100'])
  w.kill('SIGWINCH') // ignored by default, like a real process
  w.kill('SIGTERM')
  t.equal(await w.exited, 143)
  w.kill('SIGKILL')
  t.equal(await w.exited, 143, 'killing an exited program is a no-op')

  const bad = await run(['sleep', 'abc'])
  t.equal(bad.code, 1)
  t.match(bad.stderr, /invalid time interval 'abc'/)
  t.equal((await run(['sleep'])).code, 1)
})

t.test('kill after exit is a no-op', async (t) => {
  const p = spawn(['echo', 'hi'])
  p.kill('SIGKILL')
  t.equal(await p.exited, 0)
  t.equal((await collect(p.stdout)).toString(), 'hi\n')
})

t.test('tty merges stderr into stdout', async (t) => {
  const r = await run(['nope'], {tty: true})
  t.same(r, {stdout: 'exec: "nope": executable file not found in $PATH\n', stderr: '', code: 127})
  const c = await run(['cat', 'f'], {tty: true})
  t.same(c, {stdout: 'cat: f: No such file or directory\n', stderr: '', code: 1})
  t.same(await run(['echo', 'a'], {tty: true}), {stdout: 'a\n', stderr: '', code: 0}, 'LF stays LF')
  const p = spawn(['cat'], {tty: true})
  const stderrEnd = once(p.stderr, 'end')
  p.stderr.resume()
  await stderrEnd
  t.pass('stderr ends at once under tty')
  p.stdin.end('x')
  t.equal(await p.exited, 0)
})

t.test('stdin of programs that do not read it discards at once', async (t) => {
  for (const cmd of [['echo', 'x'], ['true'], ['sleep', '100'], ['yes'], ['nope']]) {
    const p = spawn(cmd)
    let cbs = 0
    for (let i = 0; i < 64; i++) {
      p.stdin.write(Buffer.alloc(64 * 1024), () => cbs++)
    }
    await delay(0)
    t.equal(cbs, 64, `${cmd[0]}: every write called back`)
    t.equal(p.stdin.writableLength, 0, `${cmd[0]}: nothing buffered`)
    t.doesNotThrow(() => {
      p.stdin.end()
      p.stdin.end()
      p.stdin.destroy()
      p.stdin.write('after destroy')
    })
    p.kill('SIGKILL')
    await p.exited
  }
})

t.test('memory: 5,000 idle cat sessions', async (t) => {
  let gc: (() => void) | undefined
  try {
    setFlagsFromString('--expose-gc')
    gc = runInNewContext('gc') as () => void
  } catch {
    gc = undefined
  }
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      gc?.()
      await delay(0)
    }
  }
  const N = 5000

  // Baseline: three bare streams of the same kinds, to tell ours apart from the streams themselves.
  await settle()
  const b0 = process.memoryUsage().heapUsed
  const bare: unknown[] = []
  for (let i = 0; i < N; i++) {
    bare.push([new Writable({write: (_c, _e, cb) => cb()}), new Readable({read() {}}), new Readable({read() {}})])
  }
  await settle()
  const streamsPer = (process.memoryUsage().heapUsed - b0) / N
  bare.length = 0

  await settle()
  const before = process.memoryUsage().heapUsed
  const procs: MockProcess[] = []
  for (let i = 0; i < N; i++) procs.push(spawn(['cat']))
  const exits = procs.map((p) => p.exited) // the daemon will want these too
  await settle()
  const per = (process.memoryUsage().heapUsed - before) / N
  t.comment(
    `gc ${gc ? 'forced' : 'NOT available'}: ${per.toFixed(0)} B/session heap, ` +
      `bare 3 streams ${streamsPer.toFixed(0)} B, beyond them ${(per - streamsPer).toFixed(0)} B`,
  )
  t.ok(per < 8 * 1024, `per-session heap ${per.toFixed(0)} B < 8 KiB`)

  for (const p of procs) p.stdin.end()
  const codes = await Promise.all(exits)
  t.ok(
    codes.every((c) => c === 0),
    'all exit 0',
  )
})
