// The mock daemon's "flavor": "podman" reproduces what the conformance suites found on podman 4.3
// (README "Compatibility"); the default stays dockerd's.
import {join} from 'node:path'
import {writeFileSync} from 'node:fs'
import t from 'tap'
import {startMockDaemon} from '../../src/mock-daemon/index.js'
import {hijack} from '../helpers/cli.js'
import {call} from '../helpers/mock-daemon-client.js'
import {tempDir} from '../helpers/temp.js'

const CONTAINERS = [
  {name: 'box', cmd: ['sleep', '1000000'], openStdin: true},
  {name: 'cat', cmd: ['cat'], openStdin: true},
  {name: 'once', cmd: ['sh', '-c', 'cat; echo "stdin closed"; exit 6'], openStdin: true, stdinOnce: true},
]

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

t.test('a bad flavor is refused', async (t) => {
  await t.rejects(startMockDaemon({config: {flavor: 'rkt' as never}}), {message: 'config.flavor: expected one of docker, podman'})
  await t.rejects(startMockDaemon({flavor: 'rkt' as never}), {message: 'flavor: expected one of docker, podman'})
})
