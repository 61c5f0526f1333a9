// Which daemon hijack picks, compared with the Docker CLI under the very same environment: contexts made
// by the real `docker context create`, every precedence rule, and end to end against two mock daemons
// (each has a container the other lacks, so `exec` tells which one answered).
import {execFileSync} from 'node:child_process'
import {writeFileSync, mkdirSync} from 'node:fs'
import {join} from 'node:path'
import t from 'tap'
import {resolveEndpoint, type EndpointSelection} from '../src/transport/endpoint.js'
import {parseHost} from '../src/transport/host.js'
import {EndpointError, TlsError} from '../src/transport/errors.js'
import {contextTls, readContext} from '../src/transport/context-store.js'
import {hijack, runCommand} from './helpers/cli.js'
import {tempDir} from './helpers/temp.js'
import {makeTestCerts} from './helpers/tls-certs.js'

const haveDocker = (() => {
  try {
    execFileSync('docker', ['--version'], {stdio: 'ignore'})
    return true
  } catch {
    return false
  }
})()
if (!haveDocker) {
  if (process.env.CI === 'true') t.fail('the docker CLI is missing (apt-get install docker.io)')
  else t.comment('SKIP: no docker CLI to compare with')
}

const dir = tempDir(t, 'hj-ctx-')
const config = join(dir, 'config')
mkdirSync(config)
mkdirSync(join(dir, 'certs'))
const certs = makeTestCerts(join(dir, 'certs'))

const {startMockDaemon} = await import('../src/mock-daemon/index.js')
const daemonA = await startMockDaemon({socket: join(dir, 'a.sock'), config: {containers: [{name: 'only-a', cmd: ['sleep', '1000']}]}})
const daemonB = await startMockDaemon({socket: join(dir, 'b.sock'), config: {containers: [{name: 'only-b', cmd: ['sleep', '1000']}]}})
t.teardown(() => Promise.all([daemonA.close(), daemonB.close()]))
const A = daemonA.url
const B = daemonB.url

const baseEnv = (): NodeJS.ProcessEnv => ({DOCKER_CONFIG: config, DOCKER_HOST: undefined, DOCKER_CONTEXT: undefined,
  DOCKER_TLS_VERIFY: undefined, DOCKER_TLS: undefined, DOCKER_CERT_PATH: undefined, DOCKER_CLI_HINTS: 'false'})

const docker = (args: string[], env: NodeJS.ProcessEnv = {}) => runCommand('docker', args, {env: {...baseEnv(), ...env}})

if (haveDocker) {
  for (const [name, spec] of [
    ['ctx-a', `host=${A}`],
    ['ctx-b', `host=${B}`],
    ['ctx-tls', `host=tcp://127.0.0.1:9,ca=${certs.ca},cert=${certs.clientCert},key=${certs.clientKey}`],
    ['ctx-skip', 'host=tcp://127.0.0.1:9,skip-tls-verify=true'],
    ['ctx-ssh', 'host=ssh://me@127.0.0.1:2222/run/other.sock'],
  ]) {
    const r = await docker(['context', 'create', name, '--docker', spec])
    if (r.code !== 0) throw new Error(`docker context create ${name}: ${r.stderr}`)
  }
}

const setCurrent = (name: string | undefined): void => {
  writeFileSync(join(config, 'config.json'), JSON.stringify(name ? {currentContext: name} : {}))
}

/** Docker's flags for a selection (global flags go before the command). */
const dockerFlags = (sel: EndpointSelection): string[] => [
  ...(sel.context ? ['--context', sel.context] : []),
  ...(sel.host ? ['-H', sel.host] : []),
]

interface Case {
  name: string
  sel: EndpointSelection
  env?: NodeJS.ProcessEnv
  current?: string
  /** The daemon that must answer (end to end), when it is one of the mocks. */
  answers?: 'A' | 'B'
}

const cases: Case[] = [
  {name: 'nothing set: the default socket', sel: {}},
  {name: 'DOCKER_HOST', sel: {}, env: {DOCKER_HOST: A}, answers: 'A'},
  {name: '-H beats DOCKER_HOST', sel: {host: A}, env: {DOCKER_HOST: B}, answers: 'A'},
  {name: '--context beats DOCKER_HOST and DOCKER_CONTEXT', sel: {context: 'ctx-a'}, env: {DOCKER_HOST: B, DOCKER_CONTEXT: 'ctx-b'}, answers: 'A'},
  {name: 'DOCKER_CONTEXT', sel: {}, env: {DOCKER_CONTEXT: 'ctx-b'}, answers: 'B'},
  {name: 'DOCKER_HOST beats DOCKER_CONTEXT', sel: {}, env: {DOCKER_HOST: B, DOCKER_CONTEXT: 'ctx-a'}, answers: 'B'},
  {name: 'currentContext in config.json', sel: {}, current: 'ctx-a', answers: 'A'},
  {name: 'DOCKER_CONTEXT beats currentContext', sel: {}, env: {DOCKER_CONTEXT: 'ctx-b'}, current: 'ctx-a', answers: 'B'},
  {name: '-H beats currentContext', sel: {host: B}, current: 'ctx-a', answers: 'B'},
  {name: 'DOCKER_HOST beats currentContext', sel: {}, env: {DOCKER_HOST: B}, current: 'ctx-a', answers: 'B'},
  {name: '--context beats currentContext', sel: {context: 'ctx-b'}, current: 'ctx-a', answers: 'B'},
  {name: '--context default means DOCKER_HOST', sel: {context: 'default'}, env: {DOCKER_HOST: B}, current: 'ctx-a', answers: 'B'},
  {name: 'DOCKER_CONTEXT=default means the default socket, not currentContext', sel: {}, env: {DOCKER_CONTEXT: 'default'}, current: 'ctx-a'},
  {name: 'a TLS context', sel: {context: 'ctx-tls'}},
  {name: 'an ssh context with a socket path', sel: {}, env: {DOCKER_CONTEXT: 'ctx-ssh'}},
]

for (const c of cases) {
  t.test(c.name, {skip: !haveDocker}, async (t) => {
    setCurrent(c.current)
    const env = {...baseEnv(), ...c.env}
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k]
    const ours = resolveEndpoint(c.sel, env)
    const inspected = await docker([...dockerFlags(c.sel), 'context', 'inspect', '--format', '{{.Name}} {{.Endpoints.docker.Host}}'], c.env)
    t.equal(inspected.code, 0, `docker context inspect: ${inspected.stderr}`)
    const [name, host] = inspected.stdout.toString().trim().split(' ')
    t.equal(ours.context, name, 'the same context as docker')
    t.equal(ours.host.url, parseHost(host).url, 'the same endpoint as docker')
    if (c.answers) {
      // End to end: hijack and docker both reach the expected daemon and only it.
      const mine = `only-${c.answers.toLowerCase()}`
      const other = c.answers === 'A' ? 'only-b' : 'only-a'
      const flags = dockerFlags(c.sel)
      for (const [what, container, code] of [['its container', mine, 0], ["the other daemon's container", other, 1]] as const) {
        const h = await hijack([...flags, 'exec', container, 'true'], {env: c.env ? {...baseEnv(), ...c.env} : baseEnv()})
        const d = await docker([...flags, 'exec', container, 'true'], c.env)
        t.equal(h.code, code, `hijack on ${what}: ${h.stderr}`)
        t.equal(d.code, code, `docker on ${what}: ${d.stderr}`)
      }
    }
  })
}

t.test('TLS material and SkipTLSVerify come from the context store', {skip: !haveDocker}, async (t) => {
  const tlsCtx = contextTls(readContext(config, 'ctx-tls'))
  t.equal(tlsCtx?.verify, true)
  t.ok(tlsCtx?.ca && tlsCtx.cert && tlsCtx.key, 'ca, cert and key read from contexts/tls/<id>/docker')
  const skip = resolveEndpoint({context: 'ctx-skip'}, {DOCKER_CONFIG: config})
  t.same(skip.host.kind === 'tcp' && skip.host.tls, {verify: false}, 'SkipTLSVerify: TLS without verification')
  const ssh = resolveEndpoint({context: 'ctx-ssh'}, {DOCKER_CONFIG: config}).host
  t.match(ssh, {kind: 'ssh', user: 'me', hostname: '127.0.0.1', port: 2222, socketPath: '/run/other.sock'})
})

t.test('errors: both refuse, and ours name the problem', {skip: !haveDocker}, async (t) => {
  setCurrent(undefined)
  const env = (extra: NodeJS.ProcessEnv) => ({...baseEnv(), ...extra})
  const failing: Array<[string, string[], NodeJS.ProcessEnv, RegExp]> = [
    ['-H with --context', ['-H', A, '--context', 'ctx-a'], {}, /^conflicting options: cannot specify both --host and --context$/m],
    ['--context naming no context', ['--context', 'nope'], {}, /context "nope" does not exist/],
    ['DOCKER_CONTEXT naming no context', [], {DOCKER_CONTEXT: 'nope'}, /context "nope" does not exist/],
  ]
  for (const [what, flags, extra, message] of failing) {
    const h = await hijack([...flags, 'exec', 'only-a', 'true'], {env: env(extra)})
    const d = await docker([...flags, 'exec', 'only-a', 'true'], extra)
    t.equal(h.code, 1, `hijack: ${what}`)
    t.not(d.code, 0, `docker refuses too: ${what}`)
    t.match(h.stderr.toString(), message, what)
  }
  // A broken meta.json: Docker's store is what we read, so break it the way a bad edit would.
  const metaDir = join(config, 'contexts', 'meta')
  const id = (await import('node:crypto')).createHash('sha256').update('ctx-b').digest('hex')
  writeFileSync(join(metaDir, id, 'meta.json'), '{"Name": "ctx-b", ')
  const h = await hijack(['--context', 'ctx-b', 'exec', 'only-b', 'true'], {env: env({})})
  const d = await docker(['--context', 'ctx-b', 'exec', 'only-b', 'true'])
  t.equal(h.code, 1)
  t.not(d.code, 0)
  t.match(h.stderr.toString(), /^context "ctx-b": .*meta\.json is not valid JSON/)
  t.throws(() => resolveEndpoint({context: 'ctx-b'}, {DOCKER_CONFIG: config}), EndpointError)
})

t.test('default-context TLS settings: flags, env and defaults as docker/cli resolves them', async (t) => {
  const certDir = certs.dir
  // ca.pem is there already; cert.pem and key.pem defaults exist under DOCKER_CERT_PATH from here on.
  const {copyFileSync} = await import('node:fs')
  copyFileSync(certs.clientCert, join(certDir, 'cert.pem'))
  copyFileSync(certs.clientKey, join(certDir, 'key.pem'))
  const tlsOf = (sel: EndpointSelection, env: NodeJS.ProcessEnv) => {
    const host = resolveEndpoint(sel, {DOCKER_CONFIG: config, ...env}).host
    return host.kind === 'tcp' ? host.tls : undefined
  }
  t.equal(tlsOf({host: 'tcp://127.0.0.1:1'}, {}), undefined, 'plain by default')
  t.match(tlsOf({host: 'tcp://127.0.0.1:1'}, {DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certDir}), {verify: true}, 'DOCKER_TLS_VERIFY')
  t.match(tlsOf({host: 'tcp://127.0.0.1:1'}, {DOCKER_TLS: '1', DOCKER_CERT_PATH: certDir}), {verify: false}, 'DOCKER_TLS: TLS without verification')
  t.match(tlsOf({host: 'tcp://127.0.0.1:1', tlsverify: false}, {DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certDir}), {verify: false},
    '--tlsverify=false beats DOCKER_TLS_VERIFY but keeps TLS on')
  const withFiles = tlsOf({host: 'tcp://127.0.0.1:1'}, {DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certDir})
  t.ok(withFiles?.cert && withFiles.key, 'cert.pem and key.pem from DOCKER_CERT_PATH are sent')
  t.throws(() => tlsOf({host: 'tcp://127.0.0.1:1', tlsverify: true}, {}), TlsError, 'no ca.pem in the config dir: a TlsError')
  t.throws(() => tlsOf({host: 'tcp://127.0.0.1:1', tls: true, tlscacert: join(dir, 'missing.pem')}, {}), /could not read the CA certificate ".*missing\.pem": no such file/)
  t.equal(resolveEndpoint({tlsverify: true, tlscacert: certs.ca}, {DOCKER_CONFIG: config}).host.url, 'tcp://localhost:2376',
    'TLS with no host: Docker\'s tcp://localhost:2376')
  t.equal(resolveEndpoint({host: 'tcp://127.0.0.1', tlsverify: true, tlscacert: certs.ca}, {DOCKER_CONFIG: config}).host.url,
    'tcp://127.0.0.1:2375', 'a tcp:// host without a port: 2375 even with TLS, as the Docker CLI 28 dials')
  if (haveDocker) {
    // The same two defaults, as the Docker CLI reports the daemon it could not reach.
    const d1 = await docker(['--tlsverify', '--tlscacert', certs.ca, 'version'])
    t.match(d1.stderr.toString(), /tcp:\/\/localhost:2376/)
    const d2 = await docker(['--tlsverify', '--tlscacert', certs.ca, '-H', 'tcp://127.0.0.1', 'version'], {DOCKER_HOST: undefined})
    t.match(d2.stderr.toString(), /tcp:\/\/127\.0\.0\.1:2375/)
  }
})
