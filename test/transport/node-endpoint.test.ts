// How a swarm node's daemon is named: --node-host and --node-context templates, and the default (the
// manager's own endpoint with the node in its place). Pure: nothing is dialed here.
import {createHash} from 'node:crypto'
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import t from 'tap'
import {EndpointError, ServiceTargetError, UsageError} from '../../src/transport/errors.js'
import {parseHost} from '../../src/transport/host.js'
import {checkNodeReach, nodeEndpoint} from '../../src/transport/node-endpoint.js'
import {tempDir} from '../helpers/temp.js'

const node = {hostname: 'alpha', addr: '192.0.2.7', id: 'n1aaaa'}
const env = {DOCKER_CONFIG: '/nonexistent-hijack-config'}

t.test('--node-host: placeholders expanded, parsed as -H would be', async (t) => {
  const reach = {kind: 'host' as const, template: 'ssh://admin@{hostname}:2222', tls: {}}
  t.strictSame(nodeEndpoint(reach, node, env), parseHost('ssh://admin@alpha:2222'))
  const tcp = nodeEndpoint({kind: 'host', template: 'tcp://{addr}:2376', tls: {}}, node, env)
  t.strictSame([tcp.kind, tcp.url], ['tcp', 'tcp://192.0.2.7:2376'])
  t.equal((tcp as {tls?: unknown}).tls, undefined, 'no TLS without the --tls* flags')
  t.equal(nodeEndpoint({kind: 'host', template: 'unix:///run/{hostname}/{id}.sock', tls: {}}, node, env).url, 'unix:///run/alpha/n1aaaa.sock')
  t.throws(() => nodeEndpoint(reach, {...node, hostname: 'x@evil'}, env), ServiceTargetError, 'a hostname that would change the URL is refused')
})

t.test('--node-host with --tlsverify: the TLS flags apply to each node, as to -H', async (t) => {
  const dir = tempDir(t, 'hj-ne-')
  writeFileSync(join(dir, 'ca.pem'), 'CA')
  const host = nodeEndpoint({kind: 'host', template: 'tcp://{addr}:2376', tls: {tlsverify: true, tlscacert: join(dir, 'ca.pem')}}, node, env)
  t.match(host, {kind: 'tcp', url: 'tcp://192.0.2.7:2376', tls: {verify: true}})
  t.equal((host as {tls: {ca: Buffer}}).tls.ca.toString(), 'CA')
})

t.test('--node-context: one Docker context per node, read from the store; a missing one is an EndpointError', async (t) => {
  const config = tempDir(t, 'hj-ne-')
  const name = 'swarm-alpha'
  const meta = join(config, 'contexts', 'meta', createHash('sha256').update(name).digest('hex'))
  mkdirSync(meta, {recursive: true})
  writeFileSync(join(meta, 'meta.json'), JSON.stringify({Name: name, Endpoints: {docker: {Host: 'unix:///run/alpha.sock'}}}))
  t.equal(nodeEndpoint({kind: 'context', template: 'swarm-{hostname}'}, node, {DOCKER_CONFIG: config}).url, 'unix:///run/alpha.sock')
  t.throws(() => nodeEndpoint({kind: 'context', template: 'swarm-{hostname}'}, {...node, hostname: 'beta'}, {DOCKER_CONFIG: config}),
    {constructor: EndpointError, message: /context "swarm-beta" does not exist/})
})

t.test('the default: the manager with the node in its place', async (t) => {
  const ssh = nodeEndpoint({kind: 'manager', manager: parseHost('ssh://admin@mgr:2200/run/docker.sock'), managerNodeId: undefined}, node)
  t.strictSame(ssh, parseHost('ssh://admin@alpha:2200/run/docker.sock'), 'ssh: the node by hostname, same user, port and socket')
  const tls = {verify: true, ca: Buffer.from('CA')}
  const tcp = nodeEndpoint({kind: 'manager', manager: {...parseHost('tcp://mgr:2376'), tls} as ReturnType<typeof parseHost>, managerNodeId: undefined}, node)
  t.strictSame(tcp, {kind: 'tcp', hostname: '192.0.2.7', port: 2376, url: 'tcp://192.0.2.7:2376', tls}, 'tcp: the node by address, same port and TLS')
  const v6 = nodeEndpoint({kind: 'manager', manager: parseHost('tcp://mgr:2375'), managerNodeId: undefined}, {...node, addr: 'fd00::7'})
  t.equal(v6.url, 'tcp://[fd00::7]:2375')
  const unix = parseHost('unix:///var/run/docker.sock')
  t.equal(nodeEndpoint({kind: 'manager', manager: unix, managerNodeId: 'n1aaaa'}, node), unix, 'unix: the manager\'s own node')
  t.throws(() => nodeEndpoint({kind: 'manager', manager: unix, managerNodeId: 'other'}, node),
    {constructor: ServiceTargetError, message: 'node alpha is not reached by unix:///var/run/docker.sock (it reaches only its own node): give --node-host or --node-context'})
  t.throws(() => nodeEndpoint({kind: 'manager', manager: parseHost('tcp://mgr'), managerNodeId: undefined}, {...node, addr: ''}), ServiceTargetError, 'no address')
})

t.test('templates that can never work are refused up front (exit 125)', async (t) => {
  for (const [reach, message] of [
    [{kind: 'host', template: 'tcp://{ip}:2375', tls: {}}, /invalid --node-host template "tcp:\/\/\{ip\}:2375": unknown placeholder \{ip\}/],
    [{kind: 'host', template: 'http2://{hostname}', tls: {}}, /invalid --node-host template .*unsupported host scheme/],
    [{kind: 'host', template: 'unix://{hostname}.sock', tls: {}}, /must be absolute/],
    [{kind: 'context', template: 'swarm-{name}'}, /invalid --node-context template .*unknown placeholder \{name\}/],
    [{kind: 'context', template: 'a/{hostname}'}, /invalid --node-context template/],
  ] as const) {
    t.throws(() => checkNodeReach(reach), {constructor: UsageError, exitCode: 125, message}, reach.template)
  }
  t.doesNotThrow(() => checkNodeReach({kind: 'context', template: 'swarm-{hostname}'}))
  t.doesNotThrow(() => checkNodeReach({kind: 'host', template: 'ssh://admin@{hostname}', tls: {}}))
})
