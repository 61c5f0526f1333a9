// The mock's "flavor": "podman" against real podman 4.3: the same requests, byte for byte, for what the
// suites found there (README "Compatibility"), and hijack's reaction on both. The expected bytes were
// recorded from podman 4.3.1 (Debian's, through scripts/podman.sh); a real podman, when the run has one,
// must still send them, and the mock must send them too.
import {join} from 'node:path'
import t, {type Test} from 'tap'
import {startMockDaemon} from '../../src/mock-daemon/index.js'
import {frameHeader, STDERR, STDOUT} from '../../src/protocol/stdcopy.js'
import {hijack, startHijack} from '../helpers/cli.js'
import {call, postHead, rawHijack} from '../helpers/mock-daemon-client.js'
import {type ContainerSpec, podmanTarget} from '../helpers/targets.js'
import {tempDir} from '../helpers/temp.js'

const frame = (type: number, text: string): Buffer => Buffer.concat([frameHeader(type as typeof STDOUT, Buffer.byteLength(text)), Buffer.from(text)])

// Podman's words for an exec that cannot start, in a stderr frame (whatever the exec attached).
const RUNC = 'Error: runc: exec failed: unable to start container process: '
const NOT_FOUND = `${RUNC}exec: "nosuchbinary": executable file not found in $PATH: OCI runtime attempted to invoke a command that was not found\n`
const DENIED = `${RUNC}exec: "/etc/passwd": permission denied: OCI permission denied\n`
const NO_WORKDIR = `${RUNC}chdir to cwd ("/nosuchdir") set in config.json failed: no such file or directory: OCI runtime attempted to invoke a command that was not found\n`
// What podman writes when its stdin copy fails as an exec ends (the fd number varies); the output still
// on its way is lost. Recorded: 20 runs of `exec -i box echo bye` with stdin left open gave 9 times
// the output, 4 times the output and this frame, 7 times this frame alone.
const RESET = /^Error: read unixpacket @->\/proc\/self\/fd\/\d+\/attach: read: connection reset by peer\n$/
const RESET_FRAME = /\x02\0\0\0\0\0\0[\s\S]Error: read unixpacket @->\/proc\/self\/fd\/\d+\/attach: read: connection reset by peer\n$/

// The attach logs=1 replay of LOGS_CMD with stdout=1&stderr=0, as podman 4.3.1 sent it: stderr's line
// anyway, and each whole line's header one short (the "\n" follows outside the frame).
const LOGS_CMD = ['sh', '-c', 'echo o1; sleep 0.3; echo e1 >&2; sleep 0.3; echo; echo o2; sleep 0.3; printf partial; sleep 1000000']
const LOGS_REPLAY = Buffer.concat([
  frameHeader(STDOUT, 2), Buffer.from('o1\n'),
  frameHeader(STDERR, 2), Buffer.from('e1\n'),
  frameHeader(STDOUT, 0), Buffer.from('\n'),
  frameHeader(STDOUT, 2), Buffer.from('o2\n'),
  frameHeader(STDOUT, 7), Buffer.from('partial'),
])

/** Podman's replay cut into its records: a header, its payload, and the stray "\n" when one follows. */
function records(bytes: Buffer): Array<[number, string]> {
  const out: Array<[number, string]> = []
  let at = 0
  while (at + 8 <= bytes.length) {
    const size = bytes.readUInt32BE(at + 4)
    let end = at + 8 + size
    if (bytes[end] === 0x0a) end++
    out.push([bytes[at], bytes.subarray(at, end).toString('latin1')])
    at = end
  }
  if (at !== bytes.length) out.push([-1, bytes.subarray(at).toString('latin1')])
  return out
}

const CONTAINERS: ContainerSpec[] = [
  {name: 'box', cmd: ['sleep', '1000000'], openStdin: true},
  {name: 'logs', cmd: LOGS_CMD},
]

interface Engine {
  name: 'mock' | 'podman'
  host: string
  sock: string
}

const wanted = (name: string): boolean => process.env.CI === 'true' || !process.env.HIJACK_TARGETS || process.env.HIJACK_TARGETS.split(',').includes(name)

async function mockPodman(t: Test): Promise<Engine> {
  const socket = join(tempDir(t, 'hj-mp-'), 'd.sock')
  const daemon = await startMockDaemon({socket, flavor: 'podman', config: {containers: [
    ...CONTAINERS,
    // Fault lostOutput: podman's race on demand, losing nothing (only the error frame) or the last 4 bytes.
    {name: 'race0', cmd: ['sleep', '1000000'], openStdin: true, faults: {lostOutput: 0}},
    {name: 'race4', cmd: ['sleep', '1000000'], openStdin: true, faults: {lostOutput: 4}},
  ]}})
  t.teardown(() => daemon.close())
  return {name: 'mock', host: daemon.url, sock: socket}
}

async function realPodman(t: Test): Promise<Engine | undefined> {
  const target = await podmanTarget(t, CONTAINERS)
  if (!target) return undefined
  return {name: 'podman', host: target.host, sock: target.host.slice('unix://'.length)}
}

/** Starts an exec over a raw hijack; the bytes after the head, and the exit code exec inspect gives. */
async function rawExec(sock: string, container: string, create: Record<string, unknown>, stdin?: string): Promise<{bytes: Buffer; code: number}> {
  const created = await call(sock, 'POST', `/v1.41/containers/${container}/exec`, {AttachStdout: true, AttachStderr: true, ...create})
  if (created.status !== 201) throw new Error(`exec create: ${created.status} ${created.body}`)
  const id = created.json().Id as string
  const body = JSON.stringify({Detach: false, Tty: create.Tty === true})
  const h = await rawHijack(sock, [postHead(`/v1.41/exec/${id}/start`, body) + body, ...(stdin === undefined ? [] : [stdin])])
  const bytes = await h.rest
  h.socket.destroy()
  let info = (await call(sock, 'GET', `/v1.41/exec/${id}/json`)).json()
  for (let i = 0; i < 50 && info.ExitCode === null; i++) {
    await new Promise((r) => setTimeout(r, 50))
    info = (await call(sock, 'GET', `/v1.41/exec/${id}/json`)).json()
  }
  return {bytes, code: info.ExitCode}
}

/** Splits off podman's racy trailing reset frame: real podman may add it anywhere, the mock only with the fault. */
function withoutReset(bytes: Buffer): {rest: Buffer; reset: boolean} {
  const m = RESET_FRAME.exec(bytes.toString('latin1'))
  return m ? {rest: bytes.subarray(0, m.index), reset: true} : {rest: bytes, reset: false}
}

async function engines(t: Test): Promise<Engine[]> {
  const list: Engine[] = []
  if (wanted('mock')) list.push(await mockPodman(t))
  if (wanted('podman')) {
    const real = await realPodman(t)
    if (real) list.push(real)
  }
  return list
}

t.test('podman flavor vs podman 4.3', async (t) => {
  for (const engine of await engines(t)) {
    const {name, host, sock} = engine
    t.test(`${name}: an exec that cannot start ends with podman's stderr frame and its exit code`, async (t) => {
      const cases: Array<[string, Record<string, unknown>, Buffer, number]> = [
        ['not found', {Cmd: ['nosuchbinary']}, frame(STDERR, NOT_FOUND), 127],
        ['not executable', {Cmd: ['/etc/passwd']}, frame(STDERR, DENIED), 126],
        ['no working dir, stderr not attached', {Cmd: ['ls'], WorkingDir: '/nosuchdir', AttachStderr: false}, frame(STDERR, NO_WORKDIR), 127],
        ['TTY: raw bytes', {Cmd: ['nosuchbinary'], Tty: true}, Buffer.from(NOT_FOUND), 127],
      ]
      for (const [what, create, expected, code] of cases) {
        const r = await rawExec(sock, 'box', create)
        const {rest, reset} = withoutReset(r.bytes)
        t.same(rest, expected, `${what}: the bytes podman sends`)
        if (name === 'mock') t.notOk(reset, `${what}: the race only with fault lostOutput`)
        t.equal(r.code, code, `${what}: exit code`)
      }
    })

    t.test(`${name}: hijack exec shows podman's error on stderr and exits with podman's code`, async (t) => {
      for (const [args, text, code] of [[['nosuchbinary'], NOT_FOUND, 127], [['/etc/passwd'], DENIED, 126]] as const) {
        const r = await hijack(['exec', '-H', host, 'box', ...args])
        t.equal(r.code, code)
        t.equal(r.stdout.toString(), '')
        const [first, ...more] = r.stderr.toString().split(/(?<=\n)/)
        t.equal(first, text)
        t.ok(more.every((line) => RESET.test(line)), `nothing else on stderr: ${JSON.stringify(more)}`)
      }
    })

    t.test(`${name}: attach logs=1 replays podman's misframed lines`, async (t) => {
      for (let i = 0; i < 100 && !(await call(sock, 'GET', '/v1.41/containers/logs/logs?stdout=1')).body.includes('partial'); i++) {
        await new Promise((r) => setTimeout(r, 100))
      }
      const h = await rawHijack(sock, ['POST /v1.41/containers/logs/attach?logs=1&stream=0&stdout=1&stderr=0 HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n'])
      t.equal(h.status, 101)
      // Each stream's lines in order; how the two streams interleave depends on when the daemon read them.
      const got = records(await h.rest)
      t.ok(got.length > 0 && got[0][1].endsWith('\n'))
      const want = records(LOGS_REPLAY)
      for (const type of [STDOUT, STDERR]) t.same(got.filter((r) => r[0] === type), want.filter((r) => r[0] === type), `stream ${type}`)
      t.equal(got.length, want.length, 'nothing else')
      h.socket.destroy()
      // hijack keeps what parses and refuses the rest: no hang, no garbage, exit 1 (docker 28 has no --logs).
      const r = await hijack(['attach', '-H', host, '--no-stdin', '--sig-proxy=false', '--logs', 'logs'])
      // The first line, without its "\n", on its own stream (the log is the same as for the raw replay).
      const [firstType, firstRecord] = got[0]
      const line = firstRecord.slice(8, -1)
      const error = 'unknown stream type 10 in multiplexed output (is the container a TTY?)\n'
      t.equal(r.stdout.toString(), firstType === STDOUT ? line : '')
      t.equal(r.stderr.toString(), (firstType === STDERR ? line : '') + error)
      t.equal(r.code, 1)
    })

    t.test(`${name}: podman's lost-output race: a prefix of the output, then its error frame`, async (t) => {
      const full = frame(STDOUT, 'bye\n')
      const outcomes = (bytes: Buffer): string => {
        const {rest, reset} = withoutReset(bytes)
        t.ok(full.subarray(0, rest.length).equals(rest) && (reset || rest.length === full.length), `a prefix of the output, and the error if short: ${JSON.stringify(bytes.toString('latin1'))}`)
        return `${rest.length === full.length ? 'output' : 'lost'}${reset ? '+error' : ''}`
      }
      if (name === 'mock') {
        // Deterministic on demand: the shapes real podman sends by chance.
        t.equal(outcomes((await rawExec(sock, 'box', {Cmd: ['echo', 'bye'], AttachStdin: true}, 'open\n')).bytes), 'output')
        t.equal(outcomes((await rawExec(sock, 'race0', {Cmd: ['echo', 'bye'], AttachStdin: true}, 'open\n')).bytes), 'output+error')
        t.equal(outcomes((await rawExec(sock, 'race4', {Cmd: ['echo', 'bye'], AttachStdin: true}, 'open\n')).bytes), 'lost+error')
      } else {
        const seen: Record<string, number> = {}
        for (let i = 0; i < 8; i++) {
          const key = outcomes((await rawExec(sock, 'box', {Cmd: ['echo', 'bye'], AttachStdin: true}, 'open\n')).bytes)
          seen[key] = (seen[key] ?? 0) + 1
        }
        t.comment(`podman outcomes: ${JSON.stringify(seen)}`)
      }
    })

    t.test(`${name}: hijack never loses output silently there, and keeps the exec's exit code`, async (t) => {
      // [container, the stdout expected (undefined: either), whether podman's error must show]
      const runs: Array<[string, string | undefined, boolean]> = name === 'mock'
        ? [['box', 'bye\n', false], ['race0', 'bye\n', true], ['race4', '', true]]
        : Array.from({length: 6}, () => ['box', undefined, false])
      for (const [container, expected, error] of runs) {
        const cli = startHijack(['exec', '-i', '-H', host, container, 'echo', 'bye'])
        cli.child.stdin.write('stdin stays open\n') // and is never ended
        const r = await cli.done
        const out = r.stdout.toString()
        const err = r.stderr.toString()
        t.equal(r.code, 0, `${container}: the exec's code, as podman's inspect says`)
        if (expected !== undefined) t.equal(out, expected, container)
        else t.ok(out === 'bye\n' || out === '', `whole output or none: ${JSON.stringify(out)}`)
        if (error || out === '') t.match(err, RESET, `${container}: the loss is never silent: the daemon's error is shown`)
        else if (name === 'mock') t.equal(err, '', container)
        else t.ok(err === '' || RESET.test(err), `nothing else on stderr: ${JSON.stringify(err)}`)
      }
    })
  }
})
