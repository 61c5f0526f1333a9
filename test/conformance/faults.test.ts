// Every mock-daemon fault, seen through our own CLI: a clear error or intact output, never a hang or
// silent loss (../shared/PROTOCOL.md sections 2 and 6).
import {createHash, randomBytes} from 'node:crypto'
import t from 'tap'
import {startMockDaemon} from '../../src/mock-daemon/index.js'
import {hijack} from '../helpers/cli.js'

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')
const SLEEPER = ['sleep', '1000000']

// Each fault on both mock flavors: on "podman" hijack takes its podman paths (API 1.41, half-close on attach).
for (const flavor of ['docker', 'podman'] as const) {
  t.test(`hijack exec against each fault (${flavor} flavor)`, async (t) => {
    const fault = (name: string, faults: Record<string, unknown>) => ({name, cmd: SLEEPER, openStdin: true, faults})
    const daemon = await startMockDaemon({
      flavor,
      config: {
        containers: [
          fault('coalesce', {coalesceHead: true}),
          fault('split', {splitWrites: 3}),
          fault('noupgrade', {noUpgrade: true}),
          fault('starterror', {startError: '409:container starterror is paused'}),
          fault('cut', {closeAfterBytes: 20}),
          fault('stall', {stallMs: 400}),
          fault('syserr', {systemError: 'disk on fire'}),
          fault('truncate', {truncateLastFrame: true}),
          fault('slowexit', {exitCodeDelayMs: 600}),
          fault('lost', {lostOutput: 8}),
        ],
      },
    })
    t.teardown(() => daemon.close())
    const exec = (args: string[], input?: Buffer | string) => hijack(['exec', '-H', daemon.url, ...args], {input})

    t.test('coalesceHead: the first frame that came with the head is not lost', async (t) => {
      const r = await exec(['coalesce', 'sh', '-c', 'echo first; echo second >&2; exit 4'])
      t.equal(r.stdout.toString(), 'first\n')
      t.equal(r.stderr.toString(), 'second\n')
      t.equal(r.code, 4)
    })

    t.test('splitWrites=3: headers and payloads cut everywhere, every byte arrives', async (t) => {
      const data = randomBytes(64 * 1024)
      const r = await exec(['-i', 'split', 'cat'], data)
      t.equal(sha(r.stdout), sha(data))
      t.equal(r.code, 0)
    })

    t.test('noUpgrade: a clear error, exit 1, no hang', async (t) => {
      const r = await exec(['noupgrade', 'echo', 'hi'])
      t.equal(r.code, 1)
      t.match(r.stderr.toString(), /^Error response from daemon: the daemon answered 200 instead of 101/)
      t.notMatch(r.stderr.toString(), /at .*\.js/, 'no stack trace')
    })

    t.test('startError: the daemon\'s own message (Docker would say only "received 409")', async (t) => {
      const r = await exec(['starterror', 'echo', 'hi'])
      t.equal(r.code, 1)
      t.equal(r.stderr.toString(), 'Error response from daemon: container starterror is paused\n')
    })

    t.test('closeAfterBytes: the cut is reported, the bytes before it are delivered', async (t) => {
      const r = await exec(['cut', 'sh', '-c', 'echo 0123456789abcdefghij-and-more; sleep 5'])
      t.not(r.code, 0)
      t.equal(r.stdout.toString(), '0123456789ab', '20 wire bytes = 8-byte header + 12 payload bytes')
      t.match(r.stderr.toString(), /ended inside a frame|reset|still reports running/)
    })

    t.test('stallMs: silence before output is waited out', async (t) => {
      const r = await exec(['stall', 'echo', 'late'])
      t.equal(r.stdout.toString(), 'late\n')
      t.equal(r.code, 0)
    })

    t.test('systemError: output first, then the error and a non-zero exit', async (t) => {
      const r = await exec(['syserr', 'echo', 'before'])
      t.equal(r.stdout.toString(), 'before\n')
      t.match(r.stderr.toString(), /error from daemon in stream: disk on fire/)
      t.equal(r.code, 1)
    })

    t.test('truncateLastFrame: partial bytes delivered and the loss reported', async (t) => {
      const r = await exec(['truncate', 'echo', 'truncated-line'])
      t.equal(r.stdout.toString(), 'truncated-l', 'all but the 4 missing bytes')
      t.match(r.stderr.toString(), /ended inside a frame: 4 bytes missing/)
      t.equal(r.code, 1)
    })

    t.test('exitCodeDelayMs: the real exit code, not 0', async (t) => {
      const r = await exec(['slowexit', 'sh', '-c', 'exit 9'])
      t.equal(r.code, 9)
    })

    t.test('lostOutput: what came is delivered, the daemon\'s error is shown (no silent loss), the exec\'s code', async (t) => {
      const r = await exec(['-i', 'lost', 'sh', '-c', 'echo kept; echo dropped; exit 6'], 'stdin\n')
      t.equal(r.stdout.toString(), 'kept\n', '"dropped\\n" (8 bytes) never left the daemon')
      t.match(r.stderr.toString(), /^Error: read unixpacket .*: connection reset by peer\n$/)
      t.equal(r.code, 6)
    })
  })

  t.test(`hijack attach against stream faults (${flavor} flavor)`, async (t) => {
    const daemon = await startMockDaemon({
      flavor,
      config: {
        containers: [
          {name: 'asplit', cmd: ['sh', '-c', 'read x; echo "got $x"; exit 3'], openStdin: true, faults: {splitWrites: 2}},
          {name: 'aerror', cmd: SLEEPER, faults: {startError: '500:attach exploded'}},
          {name: 'asys', cmd: ['sh', '-c', 'read x; echo "got $x"'], openStdin: true, faults: {systemError: 'attach broke'}},
        ],
      },
    })
    t.teardown(() => daemon.close())
    const attach = (name: string, input?: string) => hijack(['attach', '-H', daemon.url, name], {input})

    t.test('splitWrites: the reply and the exit code', async (t) => {
      const r = await attach('asplit', 'x\n')
      t.equal(r.stdout.toString(), 'got x\n')
      t.equal(r.code, 3)
    })
    t.test('startError on attach', async (t) => {
      const r = await attach('aerror')
      t.equal(r.code, 1)
      t.equal(r.stderr.toString(), 'Error response from daemon: attach exploded\n')
    })
    t.test('systemError on attach', async (t) => {
      const r = await attach('asys', 'y\n')
      t.equal(r.stdout.toString(), 'got y\n')
      t.match(r.stderr.toString(), /attach broke/)
      t.equal(r.code, 1)
    })
  })
}
