// Every mock-daemon fault, seen through our own CLI: a clear error or intact output, never a hang or
// silent loss (../shared/PROTOCOL.md sections 2 and 6). The CLI talks through a wire tap, and each case
// first checks on the wire that its fault really happened: a fault that stopped working (and a CLI that
// copes with anything) would otherwise pass every case here.
import {createHash, randomBytes} from 'node:crypto'
import t, {type Test} from 'tap'
import {startMockDaemon} from '../../src/mock-daemon/index.js'
import {hijack, type CliResult} from '../helpers/cli.js'
import {afterHead, wireTap, type TappedConnection, type WireTap} from '../helpers/wire-tap.js'

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')
const SLEEPER = ['sleep', '1000000']

/** The one connection of `tap` that hijacked `path` (exec start or attach). */
function hijacked(t: Test, tap: WireTap, path: RegExp): TappedConnection {
  const found = tap.find('POST', path)
  t.equal(found.length, 1, `one ${path} request through the tap`)
  return found[0]
}

const EXEC_START = /^\/exec\/[0-9a-f]+\/start$/
const ATTACH = /^\/containers\/\w+\/attach\?/

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
    /** Runs hijack exec through a fresh wire tap; returns the result and the exec start's connection. */
    const exec = async (t: Test, args: string[], input?: Buffer | string): Promise<CliResult & {start: TappedConnection; tap: WireTap}> => {
      const tap = await wireTap(t, daemon.socketPath!)
      const r = await hijack(['exec', '-H', tap.host, ...args], {input})
      return {...r, tap, start: hijacked(t, tap, EXEC_START)}
    }

    t.test('coalesceHead: the first frame that came with the head is not lost', async (t) => {
      const r = await exec(t, ['coalesce', 'sh', '-c', 'echo first; echo second >&2; exit 4'])
      const first = r.start.reads[0].bytes
      const headEnd = first.indexOf('\r\n\r\n') + 4
      t.ok(headEnd >= 4 && first.length > headEnd, 'the fault is on: the head and the first frame came in one read')
      t.equal(r.stdout.toString(), 'first\n')
      t.equal(r.stderr.toString(), 'second\n')
      t.equal(r.code, 4)
    })

    t.test('splitWrites=3: headers and payloads cut everywhere, every byte arrives', async (t) => {
      const data = randomBytes(64 * 1024)
      const r = await exec(t, ['-i', 'split', 'cat'], data)
      // 64 KiB plus headers in 3-byte writes, one per turn of the daemon's loop: the tap reads them
      // nearly one by one (unsplit, the same output comes in a handful of reads).
      const {streamReads} = afterHead(r.start)
      t.ok(streamReads.length > 5000, `the fault is on: ${streamReads.length} reads`)
      t.equal(sha(r.stdout), sha(data))
      t.equal(r.code, 0)
    })

    t.test('noUpgrade: a clear error, exit 1, no hang', async (t) => {
      const r = await exec(t, ['noupgrade', 'echo', 'hi'])
      t.match(afterHead(r.start).head, /^HTTP\/1\.1 200 /, 'the fault is on: 200 instead of 101')
      t.equal(r.code, 1)
      t.match(r.stderr.toString(), /^Error response from daemon: the daemon answered 200 instead of 101/)
      t.notMatch(r.stderr.toString(), /at .*\.js/, 'no stack trace')
    })

    t.test('startError: the daemon\'s own message (Docker would say only "received 409")', async (t) => {
      const r = await exec(t, ['starterror', 'echo', 'hi'])
      t.match(afterHead(r.start).head, /^HTTP\/1\.1 409 /, 'the fault is on: the start was refused')
      t.equal(r.code, 1)
      t.equal(r.stderr.toString(), 'Error response from daemon: container starterror is paused\n')
    })

    t.test('closeAfterBytes: the cut is reported, the bytes before it are delivered', async (t) => {
      const r = await exec(t, ['cut', 'sh', '-c', 'echo 0123456789abcdefghij-and-more; sleep 5'])
      t.equal(afterHead(r.start).stream.length, 20, 'the fault is on: 20 bytes after the head, then nothing')
      t.not(r.code, 0)
      t.equal(r.stdout.toString(), '0123456789ab', '20 wire bytes = 8-byte header + 12 payload bytes')
      t.match(r.stderr.toString(), /ended inside a frame|reset|still reports running/)
    })

    t.test('stallMs: silence before output is waited out', async (t) => {
      const r = await exec(t, ['stall', 'echo', 'late'])
      // A lower bound, never a speed check: the stall starts once the request is in, and unstalled, echo's
      // output follows within milliseconds.
      const silence = afterHead(r.start).streamReads[0].at - r.start.requestAt()
      t.ok(silence >= 390, `the fault is on: the first output ${silence.toFixed(0)} ms after the request (stall 400 ms)`)
      t.equal(r.stdout.toString(), 'late\n')
      t.equal(r.code, 0)
    })

    t.test('systemError: output first, then the error and a non-zero exit', async (t) => {
      const r = await exec(t, ['syserr', 'echo', 'before'])
      const {stream} = afterHead(r.start)
      t.same([...stream.subarray(0, 8)], [1, 0, 0, 0, 0, 0, 0, 7], 'a stdout frame first')
      t.same([...stream.subarray(15, 23)], [3, 0, 0, 0, 0, 0, 0, 12], 'the fault is on: then a systemerr frame')
      t.equal(r.stdout.toString(), 'before\n')
      t.match(r.stderr.toString(), /error from daemon in stream: disk on fire/)
      t.equal(r.code, 1)
    })

    t.test('truncateLastFrame: partial bytes delivered and the loss reported', async (t) => {
      const r = await exec(t, ['truncate', 'echo', 'truncated-line'])
      const {stream} = afterHead(r.start)
      t.equal(stream.readUInt32BE(4), 15, 'a frame of 15 bytes announced')
      t.equal(stream.length, 8 + 11, 'the fault is on: only 11 of them sent')
      t.equal(r.stdout.toString(), 'truncated-l', 'all but the 4 missing bytes')
      t.match(r.stderr.toString(), /ended inside a frame: 4 bytes missing/)
      t.equal(r.code, 1)
    })

    t.test('exitCodeDelayMs: the real exit code, not 0', async (t) => {
      const r = await exec(t, ['slowexit', 'sh', '-c', 'exit 9'])
      // hijack asks again while the exec still says running; unfaulted, its first inspect has the code.
      const inspects = r.tap.connections.flatMap((c) => c.request().match(/^GET \S*\/exec\/[0-9a-f]+\/json /gm) ?? [])
      const running = r.tap.connections.filter((c) => /"Running":true/.test(c.response().toString()))
      t.ok(inspects.length >= 2 && running.length > 0, `the fault is on: ${inspects.length} inspects, a "Running":true among the answers`)
      t.equal(r.code, 9)
    })

    t.test('lostOutput: what came is delivered, the daemon\'s error is shown (no silent loss), the exec\'s code', async (t) => {
      const r = await exec(t, ['-i', 'lost', 'sh', '-c', 'echo kept; echo dropped; exit 6'], 'stdin\n')
      const {stream} = afterHead(r.start)
      t.notOk(stream.includes('dropped'), 'the fault is on: "dropped" never crossed the wire')
      t.ok(stream.includes('connection reset by peer'), 'the fault is on: the daemon sent its error frame')
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
    /** Runs hijack attach through a fresh wire tap; returns the result and the attach's connection. */
    const attach = async (t: Test, name: string, input?: string): Promise<CliResult & {conn: TappedConnection}> => {
      const tap = await wireTap(t, daemon.socketPath!)
      const r = await hijack(['attach', '-H', tap.host, name], {input})
      return {...r, conn: hijacked(t, tap, ATTACH)}
    }

    t.test('splitWrites: the reply and the exit code', async (t) => {
      const r = await attach(t, 'asplit', 'x\n')
      // One 14-byte frame in 2-byte writes (unsplit: one or two reads).
      const {streamReads} = afterHead(r.conn)
      t.ok(streamReads.length >= 4, `the fault is on: ${streamReads.length} reads`)
      t.equal(r.stdout.toString(), 'got x\n')
      t.equal(r.code, 3)
    })
    t.test('startError on attach', async (t) => {
      const r = await attach(t, 'aerror')
      t.match(afterHead(r.conn).head, /^HTTP\/1\.1 500 /, 'the fault is on: the attach was refused')
      t.equal(r.code, 1)
      t.equal(r.stderr.toString(), 'Error response from daemon: attach exploded\n')
    })
    t.test('systemError on attach', async (t) => {
      const r = await attach(t, 'asys', 'y\n')
      const {stream} = afterHead(r.conn)
      t.same([...stream.subarray(14, 22)], [3, 0, 0, 0, 0, 0, 0, 12], 'the fault is on: a systemerr frame after the reply')
      t.equal(r.stdout.toString(), 'got y\n')
      t.match(r.stderr.toString(), /attach broke/)
      t.equal(r.code, 1)
    })
  })
}
