// testcontainers-node against the mock daemon: the runtime check, GenericContainer start with a
// log-message wait strategy, exec, logs(), stop() and a network-less network mode. No registry is
// ever asked: the mock answers the pull locally, and the test fails if any request leaves for one.
// testcontainers 12 needs Node 22 (it and its undici 8 say so in `engines`): Node 20 runs 11 (the
// devDependency `testcontainers`), Node 22 and later run 12 (`testcontainers12`, an npm alias).
import {mkdtempSync, rmSync} from 'node:fs'
import {createRequire} from 'node:module'
import {join} from 'node:path'
import t from 'tap'
import {startMockDaemon, type MockDaemon} from '../../src/mock-daemon/index.js'
import {call} from '../helpers/mock-daemon-client.js'

const dir = mkdtempSync('/tmp/hjtc-')
const sock = join(dir, 'd.sock')
let daemon: MockDaemon
const requests: string[] = []
const nodeMajor = Number(process.versions.node.split('.')[0])
const PACKAGE = nodeMajor >= 22 ? 'testcontainers12' : 'testcontainers'
/** The testcontainers this Node line runs (both versions have the API used here). */
const testcontainers = () => import(PACKAGE) as Promise<typeof import('testcontainers')>

// testcontainers reads its settings at import: the mock is the only Docker it may see.
process.env.DOCKER_HOST = `unix://${sock}`
process.env.TESTCONTAINERS_RYUK_DISABLED = 'true'
delete process.env.DOCKER_CONTEXT
delete process.env.DOCKER_TLS_VERIFY
process.env.DOCKER_CONFIG = join(dir, 'docker-config')
process.env.HOME = dir

t.before(async () => {
  daemon = await startMockDaemon({socket: sock})
  daemon.events.on('request', (r: {method: string; path: string}) => requests.push(`${r.method} ${r.path}`))
})

t.teardown(async () => {
  await daemon?.close()
  rmSync(dir, {recursive: true, force: true})
})

t.test(`${PACKAGE} on Node ${nodeMajor}: the version this line runs`, async (t) => {
  const version: string = createRequire(import.meta.url)(`${PACKAGE}/package.json`).version
  t.equal(version.split('.')[0], nodeMajor >= 22 ? '12' : '11')
})

t.test('GenericContainer: start with a log wait, exec, logs, stop', async (t) => {
  const {GenericContainer, Wait} = await testcontainers()
  const container = await new GenericContainer('busybox:1.36')
    .withCommand(['sh', '-c', 'echo booting; sleep 0.2; echo ready now; echo to-stderr >&2; exec sleep 1000'])
    .withNetworkMode('none')
    .withWaitStrategy(Wait.forLogMessage('ready now'))
    .withStartupTimeout(20_000)
    .start()
  t.match(container.getId(), /^[0-9a-f]{64}$/)
  t.equal(daemon.container(container.getId())?.running, true, 'the main process runs in the mock')
  t.ok(requests.includes('GET /networks/bridge'), 'the runtime check (GET /networks/bridge) passed')
  t.equal((await call(sock, 'GET', `/containers/${container.getId()}/json`)).json().HostConfig.NetworkMode, 'none', 'withNetworkMode reached the daemon')

  const exec = await container.exec(['sh', '-c', 'echo out; echo err >&2; exit 3'])
  t.equal(exec.exitCode, 3)
  t.equal(exec.stdout, 'out\n')
  t.equal(exec.stderr, 'err\n')

  const logs = await container.logs()
  const lines: string[] = []
  await new Promise<void>((resolve, reject) => {
    logs.on('data', (line: string) => {
      lines.push(line.toString())
      if (lines.join('').includes('to-stderr')) resolve()
    })
    logs.on('error', reject)
    logs.on('end', resolve)
  })
  logs.destroy()
  t.match(lines.join(''), /booting\n[^]*ready now\n[^]*to-stderr/)

  await container.stop({timeout: 1000})
  t.equal(daemon.container(container.getId()), undefined, 'stop() removes the container by default')
  t.notOk(requests.some((r) => /^POST \/(v[0-9.]+\/)?auth/.test(r)), 'no registry login')
  t.ok(requests.some((r) => /^POST \/(v[0-9.]+\/)?images\/create\?.*fromImage=busybox/.test(r)), 'the pull went to the mock, which answered it locally')
})

t.test('a second container with the image already known: no pull at all', async (t) => {
  const {GenericContainer} = await testcontainers()
  const before = requests.length
  const container = await new GenericContainer('busybox:1.36').withCommand(['sleep', '1000']).withNetworkMode('none').start()
  t.notOk(requests.slice(before).some((r) => r.includes('/images/create')), 'the image was found by inspect')
  await container.stop()
})
