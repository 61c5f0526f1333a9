// The exit-code poller with a fake API: daemons may say Running with no exit code for a while after
// the output ended; we poll until the code arrives, and give up clearly after the budget.
import t from 'tap'
import {execExitCode} from '../../src/cli/exec-exit-code.js'
import {HijackError} from '../../src/transport/errors.js'
import type {ExecInspectInfo} from 'dockerode'

function fakeApi(answers: Array<Partial<ExecInspectInfo>>): {inspectExec: (id: string) => Promise<ExecInspectInfo>; calls: string[]} {
  const calls: string[] = []
  return {
    calls,
    async inspectExec(id: string) {
      calls.push(id)
      return (answers[Math.min(calls.length - 1, answers.length - 1)]) as ExecInspectInfo
    },
  }
}

t.test('a finished exec: its code at once', async (t) => {
  const api = fakeApi([{Running: false, ExitCode: 3}])
  t.equal(await execExitCode(api, 'e1'), 3)
  t.same(api.calls, ['e1'])
})

t.test('Running, or a null code, is polled until the real code arrives (0 is not assumed)', async (t) => {
  const api = fakeApi([{Running: true, ExitCode: null as unknown as number}, {Running: true, ExitCode: 0}, {Running: false, ExitCode: null as unknown as number}, {Running: false, ExitCode: 137}])
  t.equal(await execExitCode(api, 'e2'), 137)
  t.equal(api.calls.length, 4)
})

t.test('still running after the budget: a HijackError, exit 1, not a guess', async (t) => {
  const api = fakeApi([{Running: true, ExitCode: null as unknown as number}])
  const error = await execExitCode(api, 'e3', 100).catch((e: Error) => e)
  t.type(error, HijackError)
  t.match((error as HijackError).message, /still reports running after 0.1 s: exit code unknown/)
  t.equal((error as HijackError).exitCode, 1)
  t.ok(api.calls.length >= 1, `asked (${api.calls.length} times)`)
})

t.test('an inspect failure is passed on', async (t) => {
  const api = {inspectExec: async () => { throw new HijackError('Error response from daemon: No such exec instance: e4') }}
  await t.rejects(execExitCode(api, 'e4'), /No such exec instance/)
})
