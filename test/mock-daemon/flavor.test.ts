// The mock daemon's "flavor": "podman" reproduces what the conformance suites found on podman 4.3
// (README "Compatibility"); the default stays dockerd's.
import {join} from 'node:path'
import {writeFileSync} from 'node:fs'
import t from 'tap'
import {podmanLogReplay} from '../../src/mock-daemon/api/podman-log-replay.js'
import {startMockDaemon} from '../../src/mock-daemon/index.js'
import {frameHeader, STDERR, STDOUT} from '../../src/protocol/stdcopy.js'
import {hijack} from '../helpers/cli.js'
import {call, demux, postHead, rawHijack} from '../helpers/mock-daemon-client.js'
import {tempDir} from '../helpers/temp.js'

const CONTAINERS = [
  {name: 'box', cmd: ['sleep', '1000000'], openStdin: true},
  {name: 'cat', cmd: ['cat'], openStdin: true},
  {name: 'once', cmd: ['sh', '-c', 'cat; echo "stdin closed"; exit 6'], openStdin: true, stdinOnce: true},
  {name: 'said', cmd: ['sh', '-c', 'echo out1; sleep 0.3; echo err1 >&2; sleep 1000000']},
  {name: 'ttysaid', cmd: ['sh', '-c', 'printf "tty1\\n"; sleep 1000000'], tty: true},
]

/** Starts an exec of `cmd` over a raw hijack; the bytes after the head and the exec's id. */
async function startRaw(sock: string, container: string, cmd: string[], tty = false): Promise<{id: string; bytes: Buffer}> {
  const created = await call(sock, 'POST', `/containers/${container}/exec`, {Cmd: cmd, AttachStdout: true, AttachStderr: true, Tty: tty})
  const id = created.json().Id as string
  const body = JSON.stringify({Detach: false, Tty: tty})
  const h = await rawHijack(sock, [postHead(`/v1.41/exec/${id}/start`, body) + body])
  const bytes = await h.rest
  h.socket.destroy()
  return {id, bytes}
}

/** attach logs=1 without stream over a raw hijack: the replayed bytes. */
async function replay(sock: string, container: string, query: string): Promise<Buffer> {
  const h = await rawHijack(sock, [`POST /v1.41/containers/${container}/attach?logs=1&stream=0&${query} HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`])
  const bytes = await h.rest
  h.socket.destroy()
  return bytes
}

async function waitForLog(sock: string, container: string, text: string): Promise<void> {
  for (let i = 0; i < 100 && !(await call(sock, 'GET', `/containers/${container}/logs?stdout=1&stderr=1`)).body.includes(text); i++) {
    await new Promise((r) => setTimeout(r, 50))
  }
}

const sockOf = (url: string): string => url.slice('unix://'.length)

t.test('podman flavor from startMockDaemon options', async (t) => {
  const daemon = await startMockDaemon({flavor: 'podman', config: {containers: CONTAINERS}})
  t.teardown(() => daemon.close())
  const sock = sockOf(daemon.url)

  t.test('_ping says API 1.41 and Libpod-Api-Version, as podman does', async (t) => {
    const r = await call(sock, 'GET', '/_ping')
    t.equal(r.body, 'OK')
    t.equal(r.headers['api-version'], '1.41')
    t.equal(r.headers['libpod-api-version'], '4.3.1')
    t.equal(r.headers.server, 'Libpod/4.3.1 (linux)')
  })

  t.test('an unknown container, in podman\'s words', async (t) => {
    const r = await call(sock, 'GET', '/containers/nosuch/json')
    t.equal(r.status, 404)
    t.equal(r.json().message, 'no container with name or ID "nosuch" found: no such container')
    const ours = await hijack(['exec', '-H', daemon.url, 'nosuch', 'true'])
    t.equal(ours.stderr.toString(), 'Error response from daemon: no container with name or ID "nosuch" found: no such container\n')
    t.equal(ours.code, 1)
  })

  t.test('inspect never shows StdinOnce', async (t) => {
    t.equal((await call(sock, 'GET', '/containers/once/json')).json().Config.StdinOnce, false)
  })

  t.test('resizing an exec that has ended answers 500; hijack exec is not affected', async (t) => {
    const created = await call(sock, 'POST', '/containers/box/exec', {Cmd: ['true'], AttachStdout: true})
    const id = created.json().Id as string
    const started = await call(sock, 'POST', `/exec/${id}/start`, {Detach: true})
    t.equal(started.status, 200)
    for (let i = 0; i < 100 && (await call(sock, 'GET', `/exec/${id}/json`)).json().Running; i++) await new Promise((r) => setTimeout(r, 20))
    const boxId = (await call(sock, 'GET', '/containers/box/json')).json().Id as string
    const r = await call(sock, 'POST', `/exec/${id}/resize?h=10&w=20`)
    t.equal(r.status, 500)
    t.equal(r.json().message, `cannot resize session: cannot resize container ${boxId} exec session ${id} as it is not running: exec session state improper`)
  })

  t.test('an exec that cannot start: no process, podman\'s stderr frame, exit 127; a resize then says it is not running', async (t) => {
    const {id, bytes} = await startRaw(sock, 'box', ['nosuchbinary'])
    const text = 'Error: runc: exec failed: unable to start container process: exec: "nosuchbinary": executable file not found in $PATH: OCI runtime attempted to invoke a command that was not found\n'
    t.same(await demux(bytes), {stdout: '', stderr: text, error: undefined})
    const info = (await call(sock, 'GET', `/exec/${id}/json`)).json()
    t.same([info.Running, info.ExitCode, info.Pid], [false, 127, 0])
    t.equal((await call(sock, 'POST', `/exec/${id}/resize?h=10&w=20`)).status, 500)
    const tty = await startRaw(sock, 'box', ['nosuchbinary'], true)
    t.equal(tty.bytes.toString(), text, 'with a TTY: the same words, unframed')
  })

  t.test('attach logs=1: podman\'s misframed replay of both streams; a TTY\'s replay is raw', async (t) => {
    await waitForLog(sock, 'said', 'err1')
    const out = Buffer.concat([frameHeader(STDOUT, 4), Buffer.from('out1\n')])
    const err = Buffer.concat([frameHeader(STDERR, 4), Buffer.from('err1\n')])
    // In arrival order, which a loaded daemon may see otherwise than the 0.3 s apart they were written.
    const bytes = await replay(sock, 'said', 'stdout=1&stderr=0')
    t.ok(bytes.equals(Buffer.concat([out, err])) || bytes.equals(Buffer.concat([err, out])), JSON.stringify(bytes.toString('latin1')))
    await waitForLog(sock, 'ttysaid', 'tty1')
    t.match((await replay(sock, 'ttysaid', 'stdout=1&stderr=1')).toString(), /^tty1\r?\n$/)
  })

  t.test('attach: stdin EOF ends a cat container (hijack half-closes on podman, as docker attach)', async (t) => {
    const r = await hijack(['attach', '-H', daemon.url, 'cat'], {input: 'hello\n'})
    t.equal(r.stdout.toString(), 'hello\n')
    t.equal(r.code, 0)
    t.equal(daemon.container('cat')?.running, false)
  })

  t.test('attach: a StdinOnce container gets EOF although inspect hides StdinOnce', async (t) => {
    const r = await hijack(['attach', '-H', daemon.url, 'once'], {input: 'one\n'})
    t.equal(r.stdout.toString(), 'one\nstdin closed\n')
    t.equal(r.code, 6)
  })
})

t.test('flavor from a config file; "docker" is the default and keeps dockerd\'s behaviour', async (t) => {
  const dir = tempDir(t, 'hj-flavor-')
  const file = join(dir, 'config.json')
  writeFileSync(file, JSON.stringify({flavor: 'podman', containers: []}))
  const fromFile = await startMockDaemon({config: file})
  t.teardown(() => fromFile.close())
  t.equal((await call(sockOf(fromFile.url), 'GET', '/_ping')).headers['libpod-api-version'], '4.3.1')

  const plain = await startMockDaemon({config: {containers: CONTAINERS}})
  t.teardown(() => plain.close())
  const sock = sockOf(plain.url)
  const ping = await call(sock, 'GET', '/_ping')
  t.equal(ping.headers['api-version'], '1.47')
  t.equal(ping.headers['libpod-api-version'], undefined)
  t.equal((await call(sock, 'GET', '/containers/nosuch/json')).json().message, 'No such container: nosuch')
  t.equal((await call(sock, 'GET', '/containers/once/json')).json().Config.StdinOnce, true)
  // dockerd: a half-close without StdinOnce leaves the container's stdin open, so cat keeps running.
  const cli = hijack(['attach', '-H', plain.url, '--sig-proxy=false', 'cat'], {input: 'hi\n', timeoutMs: 3000})
  const r = await cli
  t.equal(r.signal, 'SIGKILL', 'still attached when the test gives up')
  t.equal(r.stdout.toString(), 'hi\n')
  t.equal(plain.container('cat')?.running, true)
})

t.test('the docker flavor keeps dockerd\'s start failure (stdout) and correct, filtered log frames', async (t) => {
  const plain = await startMockDaemon({config: {containers: CONTAINERS}})
  t.teardown(() => plain.close())
  const sock = sockOf(plain.url)
  const {id, bytes} = await startRaw(sock, 'box', ['nosuchbinary'])
  t.match((await demux(bytes)).stdout, /^OCI runtime exec failed: exec failed: unable to start container process: exec: "nosuchbinary": executable file not found in \$PATH: unknown\r\n$/)
  t.equal((await call(sock, 'GET', `/exec/${id}/json`)).json().ExitCode, 127)
  await waitForLog(sock, 'said', 'err1')
  t.same(await demux(await replay(sock, 'said', 'stdout=1&stderr=0')), {stdout: 'out1\n', stderr: '', error: undefined})
})

t.test('podmanLogReplay: one frame per line, each whole line\'s header one short; a partial last piece framed right', async (t) => {
  const bytes = podmanLogReplay([
    {type: STDOUT, data: Buffer.from('a\n\nbc\npart')},
    {type: STDERR, data: Buffer.from('e\n')},
  ])
  t.same(bytes, Buffer.concat([
    frameHeader(STDOUT, 1), Buffer.from('a\n'),
    frameHeader(STDOUT, 0), Buffer.from('\n'),
    frameHeader(STDOUT, 2), Buffer.from('bc\n'),
    frameHeader(STDOUT, 4), Buffer.from('part'),
    frameHeader(STDERR, 1), Buffer.from('e\n'),
  ]))
  t.same(podmanLogReplay([]), Buffer.alloc(0))
  // What a client's parser makes of it: the first line without its "\n", then stream type 10.
  const parsed = await demux(bytes)
  t.equal(parsed.stdout, 'a')
  t.match(parsed.error?.message, /unknown stream type 10/)
})

t.test('a bad flavor is refused', async (t) => {
  await t.rejects(startMockDaemon({config: {flavor: 'rkt' as never}}), {message: 'config.flavor: expected one of docker, podman'})
  await t.rejects(startMockDaemon({flavor: 'rkt' as never}), {message: 'flavor: expected one of docker, podman'})
})
