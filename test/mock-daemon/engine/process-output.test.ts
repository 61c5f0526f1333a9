// exitAfterOutput: the grace after an exit cuts only output that something still holds open, never
// output the exited process already left in its pipe. Under load one event-loop turn can outlast the
// grace, and timers run before the poll that would read the pipe: the cut must wait for that poll.
import {spawn} from 'node:child_process'
import {once} from 'node:events'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import t from 'tap'
import {exitAfterOutput} from '../../../src/mock-daemon/engine/process-output.js'
import {ProcessRuntime} from '../../../src/mock-daemon/engine/runtime-process.js'

const env = ['PATH=/usr/bin:/bin']

/** Blocks the event loop, as a starved daemon (load 30 on 2 cores) does, until `until()` or `ms`. */
function busy(ms: number, until: () => boolean = () => false): void {
  const end = Date.now() + ms
  while (Date.now() < end && !until()) {
    // spin
  }
}

/** Exited but not yet reaped (a zombie): its pipes hold their last bytes and EOF, not yet read. */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')
  } catch {
    return false
  }
}

t.test('output left in the pipe at the exit is read even when a turn outlasted the grace', async (t) => {
  const runtime = new ProcessRuntime()
  t.teardown(() => runtime.shutdown())
  const grace = 30
  // The target writes and exits while the loop is busy in another session's callback (the poke's
  // output); the poke's exit has already made SIGCHLD pending, so the same poll batch reaps the
  // target too, before its pipe's EOF was polled. The turn then goes on past the grace.
  const target = runtime.spawn({cmd: ['sh', '-c', 'sleep 0.6; head -c 3000 /dev/zero'], env, tty: false})
  const poke = runtime.spawn({cmd: ['sh', '-c', 'printf x; sleep 0.2'], env, tty: false})
  const done = exitAfterOutput(target, grace)
  let got = 0
  target.stdout.on('data', (chunk: Buffer) => {
    got += chunk.length
  })
  target.stderr.resume()
  poke.stderr.resume()
  poke.stdout.once('data', () => busy(5000, () => isZombie(target.pid!)))
  t.ok(isZombie(target.pid!) === false, 'the target is still running')
  busy(400) // the poke prints (its pipe is ready first) and exits (SIGCHLD pending) meanwhile
  await target.exited.then(() => busy(grace * 4))
  t.equal(await done, 0, 'exit code')
  t.equal(got, 3000, 'every byte the process wrote')
})

t.test('a background child holding the pipe open is still cut after the grace', async (t) => {
  const runtime = new ProcessRuntime()
  t.teardown(() => runtime.shutdown())
  const proc = runtime.spawn({cmd: ['sh', '-c', 'echo start; sleep 30 & exit 3'], env, tty: false})
  proc.stderr.resume()
  let out = ''
  proc.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString()
  })
  t.equal(await exitAfterOutput(proc, 50), 3, 'the exit code, once the grace has passed')
  t.equal(out, 'start\n', 'what came before the cut')
  t.ok(proc.stdout.destroyed, 'the output was given up')
})

t.test('the cut comes when the grace ends even when nothing else wakes the event loop', async (t) => {
  // The suite found this on Node 26 (20 s stalls, a CI failure): an unref'd setImmediate does not keep
  // the loop from blocking in its poll, so the cut waited for whatever woke the loop next. tap's own
  // timers wake this process, so the case runs in a child whose loop has nothing else to do: a
  // listening server (no events) and a process that exited with a background child holding its pipes.
  // 5 s after that exit the test wakes the child through its stdin; I/O callbacks run before
  // immediates, so a cut still waiting then loses to it. It runs the built code (`npm test` builds first).
  const script = join(mkdtempSync('/tmp/hj-po-'), 'quiet-loop.mjs')
  t.teardown(() => rmSync(dirname(script), {recursive: true, force: true}))
  const built = (file: string): string => JSON.stringify(fileURLToPath(new URL(`../../../dist/mock-daemon/engine/${file}`, import.meta.url)))
  writeFileSync(script, `
    import {createServer} from 'node:net'
    import {exitAfterOutput} from ${built('process-output.js')}
    import {ProcessRuntime} from ${built('runtime-process.js')}
    const server = createServer().listen(0, '127.0.0.1')
    const runtime = new ProcessRuntime()
    const proc = runtime.spawn({cmd: ['sh', '-c', 'sleep 30 & exit 5'], env: ['PATH=/usr/bin:/bin'], tty: false})
    proc.stdout.resume()
    proc.stderr.resume()
    let done = false
    function finish(what) {
      if (done) return
      done = true
      process.stdout.write(what)
      process.stdin.destroy()
      server.close()
      runtime.shutdown()
    }
    proc.exited.then(() => process.stdout.write('exited;'))
    process.stdin.once('data', () => finish('still pending when woken'))
    exitAfterOutput(proc, 50).then((code) => finish('exit ' + code))
  `)
  const child = spawn(process.execPath, [script], {stdio: ['pipe', 'pipe', 'inherit'], env: {...process.env, NODE_OPTIONS: ''}})
  let out = ''
  let wake: NodeJS.Timeout | undefined
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString()
    if (out.startsWith('exited;') && !wake) wake = setTimeout(() => child.stdin.end('wake'), 5000)
  })
  child.stdin.on('error', () => {})
  await once(child, 'close')
  clearTimeout(wake)
  t.equal(out, 'exited;exit 5', 'the exit code, before the wake-up')
})
