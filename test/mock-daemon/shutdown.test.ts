// close() ends what execs left running in the background (their process group), and only that.
import {execFile} from 'node:child_process'
import {promisify} from 'node:util'
import t from 'tap'
import {startMockDaemon} from '../../src/mock-daemon/index.js'
import {hijack} from '../helpers/cli.js'

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

t.test('contradictory faults are refused at startup', async (t) => {
  await t.rejects(startMockDaemon({faults: ['truncateLastFrame=true', 'systemError=boom']}), /cannot be combined/)
  await t.rejects(startMockDaemon({faults: ['systemError=boom'], config: {containers: [{name: 'c', cmd: ['true'], faults: {truncateLastFrame: true}}]}}), /cannot be combined/)
})

t.test('many waits on one keep-alive connection leave no listeners behind', async (t) => {
  const daemon = await startMockDaemon({config: {containers: [{name: 'c', cmd: ['sleep', '1000']}, {name: 'done', cmd: ['true']}]}})
  t.teardown(() => daemon.close())
  const net = await import('node:net')
  const socket = net.connect(new URL(daemon.url).pathname)
  const warnings: Error[] = []
  const onWarning = (w: Error): void => { warnings.push(w) }
  process.on('warning', onWarning)
  t.teardown(() => process.off('warning', onWarning))
  let answers = 0
  let buffer = ''
  const allAnswered = new Promise<void>((resolve) => socket.on('data', (chunk) => {
    buffer += chunk.toString()
    answers = buffer.split('"StatusCode"').length - 1
    if (answers === 15) resolve()
  }))
  await new Promise((resolve) => setTimeout(resolve, 200)) // 'done' has exited
  for (let i = 0; i < 15; i++) socket.write('POST /containers/done/wait HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n')
  await allAnswered
  socket.destroy()
  t.equal(answers, 15)
  t.same(warnings.filter((w) => w.name === 'MaxListenersExceededWarning'), [], 'no MaxListenersExceededWarning')
})

t.test('closing one daemon leaves another daemon\'s processes alone', async (t) => {
  const first = await startMockDaemon({config: {containers: [{name: 'one', cmd: ['sleep', '1000']}]}})
  const second = await startMockDaemon({config: {containers: [{name: 'two', cmd: ['sleep', '1000']}]}})
  t.teardown(() => second.close())
  await first.close()
  await new Promise((resolve) => setTimeout(resolve, 200))
  const r = await hijack(['exec', '-H', second.url, 'two', 'echo', 'still here'])
  t.equal(r.stdout.toString(), 'still here\n')
  t.equal(r.code, 0)
})
