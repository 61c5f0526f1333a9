import t from 'tap'
import {parseHost} from '../../src/transport/host.js'
import {resolveEndpoint} from '../../src/transport/endpoint.js'
import {shellQuote, sshArgs} from '../../src/transport/ssh.js'
import {UsageError} from '../../src/transport/errors.js'
import {fixedApiVersion} from '../../src/transport/docker-api.js'
import {compareVersions} from '../../src/protocol/api-version.js'

t.test('unix hosts', async (t) => {
  t.same(parseHost('unix:///var/run/docker.sock'), {kind: 'unix', path: '/var/run/docker.sock', url: 'unix:///var/run/docker.sock'})
  t.same(parseHost('unix://'), {kind: 'unix', path: '/var/run/docker.sock', url: 'unix:///var/run/docker.sock'})
  t.throws(() => parseHost('unix://relative.sock'), UsageError)
})

t.test('tcp hosts', async (t) => {
  t.same(parseHost('tcp://127.0.0.1:2375'), {kind: 'tcp', hostname: '127.0.0.1', port: 2375, url: 'tcp://127.0.0.1:2375'})
  t.same(parseHost('tcp://localhost'), {kind: 'tcp', hostname: 'localhost', port: 2375, url: 'tcp://localhost:2375'})
  t.same(parseHost('tcp://[::1]:23'), {kind: 'tcp', hostname: '::1', port: 23, url: 'tcp://[::1]:23'})
  t.equal(parseHost('tcp://:4000').url, 'tcp://127.0.0.1:4000')
  t.throws(() => parseHost('tcp://h:99999'), /bad port/)
  t.throws(() => parseHost('tcp://h:1/base'), /base path/)
})

t.test('ssh hosts, as docker/cli parses them', async (t) => {
  t.same(parseHost('ssh://me@box'), {kind: 'ssh', hostname: 'box', user: 'me', url: 'ssh://me@box'})
  t.same(parseHost('ssh://box:2222/run/user/1000/docker.sock'),
    {kind: 'ssh', hostname: 'box', port: 2222, socketPath: '/run/user/1000/docker.sock', url: 'ssh://box:2222/run/user/1000/docker.sock'})
  t.match(parseHost('ssh://[::1]:22'), {kind: 'ssh', hostname: '::1', port: 22})
  t.equal(parseHost('ssh://box/').kind === 'ssh' && parseHost('ssh://box/').socketPath, undefined, 'a bare / is no socket path')
  t.throws(() => parseHost('ssh://me:pw@box'), /plain-text password/)
  t.throws(() => parseHost('ssh://box?x=1'), /query parameters/)
  t.throws(() => parseHost('ssh://box#f'), /fragments/)
  t.throws(() => parseHost('ssh://'), UsageError)
  t.throws(() => parseHost('ssh://-oProxyCommand=x'), UsageError, 'a host that would be read as an ssh option')
})

t.test('ssh command lines: Docker\'s options, the remote command quoted', async (t) => {
  const host = parseHost('ssh://me@box:2222/run/my docker.sock')
  if (host.kind !== 'ssh') throw new Error('not ssh')
  t.same(sshArgs(host), ['-l', 'me', '-p', '2222', '-o', 'ConnectTimeout=30', '-T', '--', 'box', 'docker',
    "'--host=unix:///run/my docker.sock'", 'system', 'dial-stdio'])
  const plain = parseHost('ssh://box')
  if (plain.kind !== 'ssh') throw new Error('not ssh')
  t.same(sshArgs(plain, ['-o', 'X=1']), ['-o', 'ConnectTimeout=30', '-T', '-o', 'X=1', '--', 'box', 'docker', 'system', 'dial-stdio'])
  t.equal(shellQuote("it's"), `'it'\\''s'`)
})

t.test('unsupported and malformed', async (t) => {
  t.throws(() => parseHost('/var/run/docker.sock'), /invalid host/)
  const error = t.throws(() => parseHost('npipe:////./pipe/docker')) as unknown as UsageError
  t.equal(error.exitCode, 125)
})

t.test('resolution order without contexts: flag, DOCKER_HOST, default', async (t) => {
  const none = {DOCKER_CONFIG: '/nonexistent-hijack-config'}
  t.equal(resolveEndpoint({host: 'unix:///a.sock'}, {...none, DOCKER_HOST: 'unix:///b.sock'}).host.url, 'unix:///a.sock')
  t.equal(resolveEndpoint({}, {...none, DOCKER_HOST: 'unix:///b.sock'}).host.url, 'unix:///b.sock')
  t.equal(resolveEndpoint({}, none).host.url, 'unix:///var/run/docker.sock')
  t.throws(() => resolveEndpoint({host: 'tcp://127.0.0.1:2376'}, {...none, DOCKER_TLS_VERIFY: '1'}), /could not read the CA certificate/)
})

t.test('DOCKER_API_VERSION', async (t) => {
  t.equal(fixedApiVersion({DOCKER_API_VERSION: 'v1.41'}), '1.41')
  t.equal(fixedApiVersion({DOCKER_API_VERSION: '1.44'}), '1.44')
  t.equal(fixedApiVersion({}), undefined)
  t.throws(() => fixedApiVersion({DOCKER_API_VERSION: 'latest'}), /invalid DOCKER_API_VERSION/)
  t.ok(compareVersions('1.41', '1.9') > 0, 'numeric, not string, comparison')
  t.ok(compareVersions('1.41', '1.47') < 0)
  t.ok(compareVersions('9', '1.47') > 0, 'a missing minor part counts as 0')
  t.equal(compareVersions('1.47', '1.47.0'), 0)
  t.equal(compareVersions('1.x', '1.0'), 0, 'a part that is not a number counts as 0, as in moby')
})
