import t from 'tap'
import {parseHost, resolveHost} from '../../src/transport/host.js'
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

t.test('unsupported and malformed', async (t) => {
  t.throws(() => parseHost('ssh://me@box'), /unsupported host scheme "ssh:\/\/"/)
  t.throws(() => parseHost('/var/run/docker.sock'), /invalid host/)
  const error = t.throws(() => parseHost('npipe:////./pipe/docker')) as unknown as UsageError
  t.equal(error.exitCode, 125)
})

t.test('resolution order: flag, DOCKER_HOST, default; TLS refused', async (t) => {
  t.equal(resolveHost('unix:///a.sock', {DOCKER_HOST: 'unix:///b.sock'}).url, 'unix:///a.sock')
  t.equal(resolveHost(undefined, {DOCKER_HOST: 'unix:///b.sock'}).url, 'unix:///b.sock')
  t.equal(resolveHost(undefined, {}).url, 'unix:///var/run/docker.sock')
  t.throws(() => resolveHost('tcp://127.0.0.1:2376', {DOCKER_TLS_VERIFY: '1'}), /TLS/)
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
