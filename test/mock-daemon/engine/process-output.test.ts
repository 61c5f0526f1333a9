// exitAfterOutput: the grace after an exit cuts only output that something still holds open, never
// output the exited process already left in its pipe. Under load one event-loop turn can outlast the
// grace, and timers run before the poll that would read the pipe: the cut must wait for that poll.
import {readFileSync} from 'node:fs'
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
