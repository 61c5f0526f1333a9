// --timeout with a slow stdout: a command prints a lot, then sleeps past the timeout, while hijack's
// stdout is a pipe read slowly. After the stop, everything the command printed must still arrive
// (the old code closed the session 500 ms after the stop and dropped what was still in the socket).
import {execFileSync, spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import t from 'tap'
import {startMockDaemon} from '../../src/mock-daemon/index.js'
import {HIJACK_BIN, childEnv, userCommand} from '../helpers/cli.js'
import {tempDir} from '../helpers/temp.js'

const RUNS = Number(process.env.TIMEOUT_OUTPUT_RUNS ?? 3)
/** ~590 KB: fits in the pipes and socket buffers between the command and us, so it is all printed before the stop. */
const LINES = 100_000
/** The slow reader's pace: one pipe read every so often. */
const READ_EVERY_MS = 1000

t.setTimeout(10 * 60_000)

t.test(`--timeout, stdout a slow pipe reader: every byte printed before the stop arrives (${RUNS} runs)`, async (t) => {
  const dir = tempDir(t, 'hj-timeout-out-')
  const daemon = await startMockDaemon({config: {containers: [{name: 'talker', cmd: ['sleep', '100000']}]}})
  t.teardown(() => daemon.close())
  const expected = execFileSync('seq', ['1', String(LINES)])

  for (let run = 0; run < RUNS; run++) {
    const printed = join(dir, `printed-${run}`)
    const [command, args] = userCommand(HIJACK_BIN, ['exec', '-H', daemon.url, '--timeout', '1s', 'talker', 'sh', '-c', `seq 1 ${LINES}; touch ${printed}; sleep 100000`])
    const child = spawn(command, args, {env: childEnv(), stdio: ['ignore', 'pipe', 'pipe']})
    const err: Buffer[] = []
    child.stderr.on('data', (c: Buffer) => err.push(c))
    // The slow reader: one pipe read (at most 64 KiB) every READ_EVERY_MS, so most of the output is
    // still on its way when the stop is done.
    const out: Buffer[] = []
    child.stdout.on('data', (c: Buffer) => {
      out.push(c)
      child.stdout.pause()
      setTimeout(() => child.stdout.resume(), READ_EVERY_MS)
    })
    const guard = setTimeout(() => child.kill('SIGKILL'), 120_000)
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    clearTimeout(guard)
    const got = Buffer.concat(out)
    t.ok(existsSync(printed), `run ${run}: the command printed everything before it was stopped`)
    t.equal(code, 124, `run ${run}: exit 124`)
    t.match(Buffer.concat(err).toString(), /^talker: timed out after 1s: the command was stopped$/m, `run ${run}: the timeout is said`)
    t.ok(got.equals(expected), `run ${run}: all ${expected.length} bytes arrived (got ${got.length})`)
  }
})
