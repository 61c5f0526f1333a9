// `hijack version`: client and daemon versions, the API version used, endpoint and context; --format json.
import {mkdirSync} from 'node:fs'
import {join} from 'node:path'
import t from 'tap'
import {hijack, runCommand} from './helpers/cli.js'
import {tempDir} from './helpers/temp.js'

const dir = tempDir(t, 'hj-ver-')
const {startMockDaemon} = await import('../src/mock-daemon/index.js')
const {API_VERSION, ENGINE_VERSION, MIN_API_VERSION} = await import('../src/mock-daemon/version.js')
const daemon = await startMockDaemon({socket: join(dir, 'd.sock'), config: {containers: []}})
t.teardown(() => daemon.close())
const config = join(dir, 'config')
mkdirSync(config)
const env = {DOCKER_CONFIG: config}

t.test('--format json against the mock daemon', async (t) => {
  const r = await hijack(['version', '-H', daemon.url, '--format', 'json'], {env})
  t.equal(r.code, 0, r.stderr.toString())
  const report = JSON.parse(r.stdout.toString())
  const pkg = JSON.parse((await import('node:fs')).readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  t.equal(report.Client.Version, pkg.version)
  t.match(report.Server, {Version: ENGINE_VERSION, ApiVersion: API_VERSION, MinAPIVersion: MIN_API_VERSION})
  t.equal(report.NegotiatedApiVersion, API_VERSION)
  t.equal(report.Endpoint, daemon.url)
  t.equal(report.Context, 'default')
})

t.test('DOCKER_API_VERSION fixes the version used; the table names the context and endpoint', async (t) => {
  const r = await hijack(['version', '-H', daemon.url], {env: {...env, DOCKER_API_VERSION: '1.41'}})
  t.equal(r.code, 0, r.stderr.toString())
  const text = r.stdout.toString()
  t.match(text, /^Client:\n Version: +\S+\n API version: +1\.41 \(downgraded from 1\.\d+\)\n/)
  t.match(text, new RegExp(` Endpoint: +${daemon.url.replace(/[/.]/g, '\\$&')}\n`))
  t.match(text, /\nServer:\n Version: +28\.0\.0-hijack-mock\n/)
})

t.test('through a context, as docker would pick it', async (t) => {
  const made = await runCommand('docker', ['context', 'create', 'mocky', '--docker', `host=${daemon.url}`], {env})
  if (made.code !== 0) {
    if (process.env.CI === 'true') t.fail(`docker context create: ${made.stderr}`)
    else t.comment('SKIP: no docker CLI')
    return
  }
  const r = await hijack(['--context', 'mocky', 'version', '--format', 'json'], {env})
  t.equal(r.code, 0, r.stderr.toString())
  t.match(JSON.parse(r.stdout.toString()), {Context: 'mocky', Endpoint: daemon.url, Server: {Version: ENGINE_VERSION}})
})

t.test('an unreachable daemon: the client part, the error, exit 1', async (t) => {
  const host = `unix://${join(dir, 'nothing.sock')}`
  const r = await hijack(['version', '-H', host, '--format', 'json'], {env})
  t.equal(r.code, 1)
  const report = JSON.parse(r.stdout.toString())
  t.equal(report.Server, undefined)
  t.equal(report.Endpoint, host)
  t.equal(r.stderr.toString(), `Cannot connect to the Docker daemon at ${host}. Is the docker daemon running?\n`)
})

t.test('shell completion: the bash completions know the commands and the endpoint flags', async (t) => {
  const cache = join(dir, 'cache')
  const r = await hijack(['autocomplete', 'bash'], {env: {...env, XDG_CACHE_HOME: cache}})
  t.equal(r.code, 0, r.stderr.toString())
  const {readFileSync} = await import('node:fs')
  const bash = readFileSync(join(cache, 'hijack', 'autocomplete', 'functions', 'bash', 'hijack.bash'), 'utf8')
  for (const word of ['exec', 'attach', 'version', '--context', '--tlsverify']) t.match(bash, word)
})
