// Fault injection on the hijacked streams, per container and daemon-wide.
import {mkdtempSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import t from 'tap'
import {startMockDaemon, type MockDaemon} from '../../src/mock-daemon/index.js'
import {frameHeader, STDERR, STDOUT, SystemErrorFrame, TruncatedFrameError} from '../../src/protocol/stdcopy.js'
import {hijack} from '../helpers/cli.js'
import {call, createExec, demux, postHead, rawHijack} from '../helpers/mock-daemon-client.js'

const dir = mkdtempSync('/tmp/hjf-')
const sock = join(dir, 'd.sock')
let daemon: MockDaemon

const box = (name: string, faults: Record<string, unknown>) => ({name, cmd: ['sleep', '1000'], faults})

t.before(async () => {
  daemon = await startMockDaemon({
    socket: sock,
    config: {
      containers: [
        box('coalesce', {coalesceHead: true}),
        box('split', {splitWrites: 1}),
        box('noupgrade', {noUpgrade: true}),
        box('cut', {closeAfterBytes: 10}),
        box('stall', {stallMs: 300}),
        box('syserr', {systemError: 'device on fire'}),
        box('truncate', {truncateLastFrame: true}),
        box('slowexit', {exitCodeDelayMs: 60_000}),
        box('lost3', {lostOutput: 3}),
        box('lost0', {lostOutput: 0}),
        box('lostall', {lostOutput: 1_000_000}),
      ],
    },
  })
})

t.teardown(async () => {
  await daemon?.close()
  rmSync(dir, {recursive: true, force: true})
})

async function start(container: string, cmd: string[], tty = false) {
  const id = await createExec(sock, container, {Cmd: cmd, Tty: tty})
  const body = JSON.stringify({Detach: false, Tty: tty})
  const started = Date.now()
  const h = await rawHijack(sock, [postHead(`/v1.47/exec/${id}/start`, body) + body])
  return {id, h, started}
}

t.test('startError: daemon-wide, and a container\'s own wins', async (t) => {
  const other = await startMockDaemon({
    socket: join(dir, 'e.sock'),
    faults: ['startError=503:daemon-wide refusal'],
    config: {containers: [box('own', {startError: '409:overridden'}), box('inherits', {})]},
  })
  t.teardown(() => other.close())
  const path = other.socketPath!
  const own = await createExec(path, 'own', {Cmd: ['true']})
  const a = await rawHijack(path, [postHead(`/exec/${own}/start`, '{}') + '{}'])
  t.equal(a.status, 409)
  t.same(JSON.parse(await a.body()), {message: 'overridden'})
  const wide = await createExec(path, 'inherits', {Cmd: ['true']})
  const b = await rawHijack(path, [postHead(`/exec/${wide}/start`, '{}') + '{}'])
  t.equal(b.status, 503)
  t.same(JSON.parse(await b.body()), {message: 'daemon-wide refusal'})
  const attach = await rawHijack(path, ['POST /containers/inherits/attach?stream=1&stdout=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n'])
  t.equal(attach.status, 503, 'attach is refused too')
  for (const h of [a, b, attach]) h.socket.destroy()
})

t.test('coalesceHead: the head and the first frame arrive in one read', async (t) => {
  const {h} = await start('coalesce', ['printf', 'abc'])
  t.equal(h.status, 101)
  const headEnd = h.firstRead.indexOf('\r\n\r\n') + 4
  t.ok(headEnd > 4 && h.firstRead.length > headEnd, 'output bytes came in the same read as the head')
  t.equal((await demux(await h.rest)).stdout, 'abc')
})

t.test('splitWrites=1: one-byte writes still make a valid stream', async (t) => {
  const {h} = await start('split', ['sh', '-c', 'printf hello; printf oops >&2'])
  t.equal(h.status, 101)
  const reads: number[] = []
  h.socket.on('data', (chunk: Buffer) => reads.push(chunk.length))
  const rest = await h.rest
  // Each piece leaves in its own write and the daemon lets the loop turn between them, so the reader
  // sees nearly every byte on its own (written in one loop, all 25 bytes came in one read).
  t.equal(reads.reduce((a, b) => a + b, 0), rest.length, 'every byte after the head was seen by the listener')
  t.ok(reads.length > rest.length / 2 && Math.max(...reads) <= 2, `reads: ${reads.join(',')}`)
  const out = await demux(rest)
  t.equal(out.stdout, 'hello')
  t.equal(out.stderr, 'oops')
})

t.test('output still on its way at the exit is delivered, however long the slow wire takes', async (t) => {
  // splitWrites=1 sends about 100-200 KB/s: most of this output is still in the daemon when head exits,
  // and takes longer than the 2 s grace to go out. The grace bounds the process's output, not the wire.
  const {h} = await start('split', ['head', '-c', '300000', '/dev/zero'])
  let reads = 0
  h.socket.on('data', () => reads++)
  const out = await demux(await h.rest)
  t.ok(reads > 300000 / 4, `the fault is on: the output came in ${reads} reads`)
  t.equal(out.stdout.length, 300000, 'every byte')
})

t.test('noUpgrade: 200 instead of 101, stream anyway', async (t) => {
  const {h} = await start('noupgrade', ['printf', 'hi'])
  t.equal(h.status, 200)
  t.equal((await demux(await h.rest)).stdout, 'hi')
})

t.test('closeAfterBytes=10: exactly 10 bytes after the head, then the connection dies', async (t) => {
  const {h} = await start('cut', ['printf', 'abcdefghijklmnop'])
  const rest = await h.rest
  t.equal(rest.length, 10)
  t.equal(rest.subarray(8).toString(), 'ab')
})

t.test('stallMs=300: nothing before 300 ms', async (t) => {
  const {h, started} = await start('stall', ['printf', 'late'])
  const rest = await h.rest
  t.ok(Date.now() - started >= 290, 'output waited for the stall')
  t.equal((await demux(rest)).stdout, 'late')
})

t.test('systemError: a systemerr frame after the output', async (t) => {
  const {h} = await start('syserr', ['printf', 'before'])
  const out = await demux(await h.rest)
  t.equal(out.stdout, 'before')
  t.type(out.error, SystemErrorFrame)
  t.equal((out.error as SystemErrorFrame).text, 'device on fire')
})

t.test('truncateLastFrame: the stream ends inside the last frame', async (t) => {
  const {h} = await start('truncate', ['sh', '-c', 'printf one; sleep 0.1; printf twothree'])
  const out = await demux(await h.rest)
  t.type(out.error, TruncatedFrameError)
  t.equal(out.stdout, 'onetwot', 'all frames but the last four bytes')
})

t.test('exitCodeDelayMs: inspect says running after the stream ended', async (t) => {
  const {h, id} = await start('slowexit', ['sh', '-c', 'exit 3'])
  await h.rest
  const info = (await call(sock, 'GET', `/exec/${id}/json`)).json()
  t.equal(info.Running, true)
  t.equal(info.ExitCode, null)
})

t.test('lostOutput=N: the last N output bytes never leave; podman\'s reset error ends the stream instead', async (t) => {
  const reset = 'Error: read unixpacket @->/proc/self/fd/14/attach: read: connection reset by peer\n'
  const frame = (type: typeof STDOUT | typeof STDERR, text: string): Buffer => Buffer.concat([frameHeader(type, text.length), Buffer.from(text)])
  // Cut across a stream switch: "hello" then "XY" on stderr, the last 3 bytes ("o", "XY") are lost.
  const cut = await start('lost3', ['sh', '-c', 'printf hello; sleep 0.1; printf XY >&2; exit 5'])
  const cutBytes = await cut.h.rest
  t.same(await demux(cutBytes), {stdout: 'hell', stderr: reset, error: undefined}, 'split inside a chunk')
  t.ok(cutBytes.subarray(-frame(STDERR, reset).length).equals(frame(STDERR, reset)), 'the error frame comes last')
  t.equal((await call(sock, 'GET', `/exec/${cut.id}/json`)).json().ExitCode, 5, 'the exit code is the process\'s')
  const none = await start('lost0', ['printf', 'all here'])
  t.same(await none.h.rest, Buffer.concat([frame(STDOUT, 'all here'), frame(STDERR, reset)]), '0: nothing lost, the error still comes')
  const all = await start('lostall', ['sh', '-c', 'printf out; printf err >&2'])
  t.same(await all.h.rest, frame(STDERR, reset), 'a window larger than the output: all of it lost')
  const tty = await start('lost3', ['printf', 'abcdef'], true)
  t.equal((await tty.h.rest).toString(), `abc${reset}`, 'a TTY stream: raw bytes, the error too')
  // hijack shows the daemon's error, so the loss is not silent, and exits with the exec's code.
  const r = await hijack(['exec', '-H', `unix://${sock}`, 'lost3', 'sh', '-c', 'printf hello; exit 5'])
  t.equal(r.stdout.toString(), 'he')
  t.equal(r.stderr.toString(), reset)
  t.equal(r.code, 5)
})

t.test('lostOutput on attach: the tail of the container\'s output at its exit', async (t) => {
  const other = await startMockDaemon({
    socket: join(dir, 'l.sock'),
    faults: ['lostOutput=4'],
    config: {containers: [{name: 'late', cmd: ['sh', '-c', 'read x; echo "got $x"; exit 3'], openStdin: true}]},
  })
  t.teardown(() => other.close())
  const r = await hijack(['attach', '-H', other.url, 'late'], {input: 'line\n'})
  t.equal(r.stdout.toString(), 'got l', 'the last 4 bytes ("ine\\n") lost')
  t.match(r.stderr.toString(), /^Error: read unixpacket .*: connection reset by peer\n$/)
  t.equal(r.code, 3)
})

t.test('lostOutput and truncateLastFrame cannot be combined; a bad value is refused', async (t) => {
  await t.rejects(startMockDaemon({faults: ['truncateLastFrame', 'lostOutput=2']}), /truncateLastFrame and lostOutput cannot be combined/)
  await t.rejects(startMockDaemon({faults: ['lostOutput=-1']}), /fault lostOutput: expected an integer >= 0/)
})
