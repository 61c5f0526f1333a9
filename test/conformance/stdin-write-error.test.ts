// The daemon cuts the connection while we are still writing stdin: the stdin write fails (EPIPE or
// ECONNRESET), and what the daemon sent before the cut must still be delivered and the cut reported.
// Node destroys a socket on a failed write, dropping unread bytes; on an idle machine the output is
// usually read first, so this runs beside two CPU burners, where the old code lost it in 16-28 of 40.
import {type ChildProcess, spawn} from 'node:child_process'
import {createHash, randomBytes} from 'node:crypto'
import t, {type Test} from 'tap'
import {startMockDaemon} from '../../src/mock-daemon/index.js'
import {hijack} from '../helpers/cli.js'

const RUNS = 50
/** 1000 wire bytes: the first frame's 8-byte header and 992 bytes of cat's echo. */
const CUT_AFTER = 1000

/** Two busy loops, each bounded by `timeout` so none outlives a test run killed before its teardown. */
function startBurners(t: Test): ChildProcess[] {
  const burners = [0, 1].map(() => spawn('timeout', ['900', 'sh', '-c', 'while :; do :; done'], {stdio: 'ignore'}))
  t.teardown(() => {
    // `timeout` leads a process group of its own: killing only it would orphan the busy loop.
    for (const burner of burners) {
      try {
        process.kill(-(burner.pid as number), 'SIGKILL')
      } catch {
        // already gone
      }
    }
  })
  return burners
}

// ~30 s on an idle 2-core machine; many minutes on a crowded one, where tap's 300 s would cut it.
t.setTimeout(15 * 60_000)

t.test(`exec -i into a connection cut after ${CUT_AFTER} bytes, ${RUNS} runs under load: nothing lost, the cut reported`, async (t) => {
  const daemon = await startMockDaemon({
    config: {containers: [{name: 'f-close', runtime: 'builtin', cmd: ['sleep', '100000'], faults: {closeAfterBytes: CUT_AFTER}}]},
  })
  t.teardown(() => daemon.close())
  const input = randomBytes(1024 * 1024)
  startBurners(t)

  const failures: string[] = []
  let exact = 0
  const check = async (run: number): Promise<void> => {
    const r = await hijack(['exec', '-H', daemon.url, '-i', 'f-close', 'cat'], {input})
    const out = r.stdout
    const stderr = r.stderr.toString()
    if (out.length === CUT_AFTER - 8) exact++
    const problems = [
      out.length === 0 && 'no output',
      out.length > 0 && !out.equals(input.subarray(0, out.length)) && 'output is not what was sent',
      r.code !== 1 && `exit ${r.code}`,
      !/ended inside a frame|reset/.test(stderr) && `cut not reported (stderr ${JSON.stringify(stderr)})`,
    ].filter(Boolean)
    if (problems.length > 0) failures.push(`run ${run}: ${out.length} bytes; ${problems.join(', ')}`)
  }
  // Two at a time: the load is the point, and the wall time halves.
  for (let run = 0; run < RUNS; run += 2) await Promise.all([check(run), check(run + 1)])
  t.same(failures, [], `every run delivers the bytes before the cut and reports it (${exact}/${RUNS} got exactly ${CUT_AFTER - 8})`)
})

const FANOUT_RUNS = Number(process.env.FANOUT_RUNS ?? 12)

t.test(`exec -i on three containers, one cut after ${CUT_AFTER} bytes, ${FANOUT_RUNS} runs under load: the others get all of stdin`, async (t) => {
  const container = (name: string, faults?: {closeAfterBytes: number}) => ({name, cmd: ['sleep', '100000'], env: [`NAME=${name}`], ...(faults && {faults})})
  const daemon = await startMockDaemon({
    config: {containers: [container('a1'), container('f-close', {closeAfterBytes: CUT_AFTER}), container('a2')]},
  })
  t.teardown(() => daemon.close())
  // Text lines, so f-close's echo can be checked through the line prefixes.
  const input = Buffer.from(randomBytes(3 * 1024 * 1024).toString('base64').replace(/(.{76})/g, '$1\n'))
  const digest = createHash('sha256').update(input).digest('hex')
  startBurners(t)

  const failures: string[] = []
  for (let run = 0; run < FANOUT_RUNS; run++) {
    const r = await hijack(['exec', '-H', daemon.url, '-i', 'a1,f-close,a2', 'sh', '-c', 'case $NAME in f-close) exec cat;; *) sha256sum;; esac'], {input, timeoutMs: 120_000})
    const lines = r.stdout.toString().split('\n')
    const of = (name: string): string[] => lines.filter((l) => l.startsWith(`${name} | `)).map((l) => l.slice(name.length + 3))
    const echoed = of('f-close').join('\n')
    const stderr = r.stderr.toString()
    const problems = [
      ...['a1', 'a2'].map((name) => of(name).join() !== `${digest}  -` && `${name} printed ${JSON.stringify(of(name))}`),
      (echoed.length === 0 || !input.subarray(0, echoed.length).equals(Buffer.from(echoed))) && `f-close echoed ${echoed.length} bytes, not a prefix of stdin`,
      !/^f-close: (output stream ended inside a frame|the connection to the daemon was reset)/m.test(stderr) && `f-close's cut not reported with its prefix (stderr ${JSON.stringify(stderr.slice(0, 300))})`,
      r.code !== 1 && `exit ${r.code}`,
    ].filter(Boolean)
    if (problems.length > 0) failures.push(`run ${run}: ${problems.join('; ')}`)
  }
  t.same(failures, [], 'every run: both digests equal, the cut reported behind f-close\'s prefix, exit 1')
})
