// close() ends what execs left running in the background (their process group), and only that.
import {execFile} from 'node:child_process'
import {promisify} from 'node:util'
import t from 'tap'
import {startMockDaemon} from '../src/mock-daemon/index.js'
import {hijack} from './helpers/cli.js'

const run = promisify(execFile)
const marker = `42${process.pid % 1000}`
const count = async (): Promise<number> =>
  (await run('sh', ['-c', `pgrep -f "^sleep ${marker}[12]" || true`])).stdout.trim().split('\n').filter(Boolean).length

t.test('background children of finished execs die with the daemon', async (t) => {
  const daemon = await startMockDaemon({config: {containers: [{name: 'c', cmd: ['sleep', '1000'], openStdin: true}]}})
  const bystander = execFile('sleep', [`${marker}3`]) // not the daemon's: must survive its close()
  t.teardown(() => bystander.kill('SIGKILL'))
  await hijack(['exec', '-H', daemon.url, 'c', 'sh', '-c', `sleep ${marker}1 >/dev/null 2>&1 </dev/null &`])
  await hijack(['exec', '-d', '-H', daemon.url, 'c', 'sh', '-c', `sleep ${marker}2 >/dev/null 2>&1 </dev/null &`])
  for (let i = 0; i < 50 && (await count()) < 2; i++) await new Promise((r) => setTimeout(r, 50))
  t.equal(await count(), 2, 'both background sleeps run while the daemon does')
  await daemon.close()
  for (let i = 0; i < 50 && (await count()) > 0; i++) await new Promise((r) => setTimeout(r, 50))
  t.equal(await count(), 0, 'gone after close()')
  t.equal(bystander.exitCode, null, 'a process the daemon did not start is untouched')
})
