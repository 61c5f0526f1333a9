// bin/run.cjs starts node without concurrent JIT jobs (its `#!` line): on Node 24 and 26 such a job can
// wait for a garbage collection that the exiting main thread never runs, and hijack then hangs after
// its last byte (nodejs/node#54918). This checks that a running `hijack` really has the flags, on
// whichever Node line the suite runs, and that the scripts and benches start it the same way.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import t from 'tap'
import {HIJACK_BIN, startCli} from '../helpers/cli.js'
import {tempDir} from '../helpers/temp.js'
// @ts-expect-error plain JS module without types
import {HIJACK_NODE_FLAGS, hijackArgv} from '../../scripts/hijack-bin.js'

const FLAGS = ['--no-concurrent-recompilation', '--no-concurrent-sparkplug']

t.test('a running hijack has the bin\'s node flags', async (t) => {
  const dir = tempDir(t, 'hj-flags-')
  const socket = join(dir, 'd.sock')
  const daemon = startCli(HIJACK_BIN, ['mock-daemon', '--socket', socket])
  t.teardown(() => daemon.child.kill('SIGTERM'))
  await daemon.waitForOutput(/listening/, 60_000)
  // `env -S` execs node with the `#!` line's options: the process's own argv shows them.
  const argv = readFileSync(`/proc/${daemon.child.pid}/cmdline`, 'utf8').split('\0')
  t.comment(argv.join(' '))
  for (const flag of FLAGS) t.ok(argv.includes(flag), `${flag} is in effect`)
  daemon.child.kill('SIGTERM')
  const done = await daemon.done
  t.equal(done.signal ?? done.code, done.signal ? 'SIGTERM' : 0, 'the daemon stopped')
})

t.test('scripts and benches read the same flags from the bin', async (t) => {
  t.same(HIJACK_NODE_FLAGS, FLAGS)
  t.same(hijackArgv(), [...FLAGS, HIJACK_BIN])
})
