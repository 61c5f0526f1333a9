// A service's tasks as per-node exec targets, resolved against a scripted swarm manager on a unix
// socket: the filters sent, the node host template, --task selection, and tasks that cannot be reached.
import {createServer, type IncomingMessage} from 'node:http'
import {join} from 'node:path'
import t, {type Test} from 'tap'
import {DockerApi} from '../../src/transport/docker-api.js'
import {DaemonError, ServiceTargetError, UsageError} from '../../src/transport/errors.js'
import {parseHost} from '../../src/transport/host.js'
import {
  expandNodeHost,
  resolveServiceTargets,
  type SwarmNode,
  type SwarmTask,
  taskTargets,
} from '../../src/transport/service-tasks.js'
import {tempDir} from '../helpers/temp.js'

const NODES: SwarmNode[] = [
  {ID: 'n1aaaaaaaaaaaaaaaaaaaaaaa', Description: {Hostname: 'alpha'}, Status: {State: 'ready', Addr: '10.0.0.1'}},
  {ID: 'n2bbbbbbbbbbbbbbbbbbbbbbb', Description: {Hostname: 'beta'}, Status: {State: 'ready', Addr: '10.0.0.2'}},
  {ID: 'n3ccccccccccccccccccccccc', Description: {Hostname: 'gamma'}, Status: {State: 'down', Addr: '10.0.0.3'}},
]

const task = (id: string, slot: number, node: string, container?: string, state = 'running'): SwarmTask => ({
  ID: id,
  ServiceID: 'svc1',
  NodeID: node,
  Slot: slot,
  DesiredState: 'running',
  Status: {State: state, ...(container ? {ContainerStatus: {ContainerID: container}} : {})},
})

const TASKS: SwarmTask[] = [
  task('t3task', 3, NODES[2].ID, 'c3'.repeat(32)),
  task('t1task', 1, NODES[0].ID, 'c1'.repeat(32)),
  task('t2task', 2, NODES[1].ID, 'c2'.repeat(32)),
]

interface Manager {
  api: DockerApi
  requests: string[]
}

/** A scripted manager: /_ping, /v1.41/tasks and /v1.41/nodes answered from the arguments, recording each request. */
async function fakeManager(t: Test, answer: {tasks?: unknown; nodes?: unknown; tasksStatus?: number}): Promise<Manager> {
  const path = join(tempDir(t, 'hj-swarm-'), 'manager.sock')
  const requests: string[] = []
  const server = createServer((req: IncomingMessage, res) => {
    requests.push(`${req.method} ${req.url}`)
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, {'Content-Type': 'application/json', 'Api-Version': '1.41'})
      res.end(JSON.stringify(body))
    }
    const url = new URL(req.url ?? '/', 'http://manager')
    if (url.pathname === '/_ping') send(200, 'OK')
    else if (url.pathname === '/v1.41/tasks') {
      if (answer.tasksStatus) send(answer.tasksStatus, {message: 'service web not found'})
      else send(200, answer.tasks ?? TASKS)
    } else if (url.pathname === '/v1.41/nodes') send(200, answer.nodes ?? NODES)
    else send(404, {message: 'page not found'})
  })
  server.keepAliveTimeout = 100
  await new Promise<void>((resolve) => server.listen(path, resolve))
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  t.teardown(() => server.closeAllConnections())
  const api = await DockerApi.connect(parseHost(`unix://${path}`), {})
  t.teardown(() => api.close())
  return {api, requests}
}

t.test('one target per running task, in slot order, each with its node and the expanded host', async (t) => {
  const m = await fakeManager(t, {})
  const targets = await resolveServiceTargets(m.api, {service: 'web', nodeHost: 'ssh://admin@{hostname}'})
  t.strictSame(
    targets.map((x) => [x.prefix, x.slot, x.hostname, x.addr, x.containerId, x.host, x.nodeState, x.problem]),
    [
      ['web.1@alpha', 1, 'alpha', '10.0.0.1', 'c1'.repeat(32), 'ssh://admin@alpha', 'ready', undefined],
      ['web.2@beta', 2, 'beta', '10.0.0.2', 'c2'.repeat(32), 'ssh://admin@beta', 'ready', undefined],
      ['web.3@gamma', 3, 'gamma', '10.0.0.3', 'c3'.repeat(32), 'ssh://admin@gamma', 'down', undefined],
    ],
  )
  const tasksRequest = m.requests.find((r) => r.startsWith('GET /v1.41/tasks?'))!
  const filters = JSON.parse(new URLSearchParams(tasksRequest.split('?')[1]).get('filters')!)
  t.strictSame(filters, {service: {web: true}, 'desired-state': {running: true}}, 'the tasks are filtered by service and desired state, in the filters form docker/cli sends')
  t.ok(m.requests.includes('GET /v1.41/nodes'), 'the nodes are listed')
})

t.test('the node host template: {addr}, {hostname}, {id}; unknown placeholders refused before any request', async (t) => {
  const node = {hostname: 'alpha', addr: '10.0.0.1', id: 'abc123'}
  t.equal(expandNodeHost('tcp://{addr}:2376', node), 'tcp://10.0.0.1:2376')
  t.equal(expandNodeHost('unix:///run/{hostname}/{id}.sock', node), 'unix:///run/alpha/abc123.sock')
  t.equal(expandNodeHost('ssh://admin@host', node), 'ssh://admin@host', 'no placeholder, no change')
  t.throws(() => expandNodeHost('unix:///x/{hostname}', {...node, hostname: '../../etc'}), ServiceTargetError, 'a hostname cannot change the shape of a path')
  t.throws(() => expandNodeHost('ssh://{hostname}', {...node, hostname: 'evil@other'}), ServiceTargetError)

  const m = await fakeManager(t, {})
  const error = await resolveServiceTargets(m.api, {service: 'web', nodeHost: 'tcp://{ip}:2375'}).catch((e: unknown) => e)
  t.type(error, UsageError)
  t.equal((error as UsageError).exitCode, 125)
  t.match((error as Error).message, /unknown placeholder \{ip\}/)
  t.notOk(m.requests.some((r) => r.includes('/tasks')), 'nothing was asked of the manager')
})

t.test('--task picks one task by slot, by ID or by unique ID prefix', async (t) => {
  const m = await fakeManager(t, {})
  const [two] = await resolveServiceTargets(m.api, {service: 'web', task: '2'})
  t.equal(two.prefix, 'web.2@beta')
  const [three] = await resolveServiceTargets(m.api, {service: 'web', task: 't3task'})
  t.equal(three.slot, 3)
  const [one] = await resolveServiceTargets(m.api, {service: 'web', task: 't1'})
  t.equal(one.slot, 1)
  await t.rejects(resolveServiceTargets(m.api, {service: 'web', task: '9'}), {constructor: ServiceTargetError, exitCode: 1, message: 'service web has no running task "9"'})
  await t.rejects(resolveServiceTargets(m.api, {service: 'web', task: 't'}), {constructor: ServiceTargetError, message: /ambiguous/})
})

t.test('a task without a container, on an unknown node, or with an unusable hostname is reported, the others are not', async (t) => {
  const tasks = [
    task('ok', 1, NODES[0].ID, 'c1'.repeat(32)),
    task('pending', 2, NODES[1].ID, undefined, 'preparing'),
    task('lost', 3, 'gone0000000000000000000000', 'c3'.repeat(32)),
    task('weird', 4, 'n4', 'c4'.repeat(32)),
  ]
  const nodes = [...NODES, {ID: 'n4', Description: {Hostname: 'a/b'}, Status: {State: 'ready', Addr: '10.0.0.4'}}]
  const targets = taskTargets('web', tasks, nodes, 'unix:///s/{hostname}.sock')
  t.strictSame(targets.map((x) => [x.prefix, x.host, x.problem]), [
    ['web.1@alpha', 'unix:///s/alpha.sock', undefined],
    ['web.2@beta', 'unix:///s/beta.sock', 'the task has no container yet (state preparing)'],
    ['web.3@gone0000000000000000000000', undefined, 'node gone0000000000000000000000 is not known to the manager'],
    ['web.4@a/b', undefined, 'node n4: its hostname "a/b" cannot be used in a host URL'],
  ])
})

t.test('a global service\'s tasks have no slot: the prefix names the node', async (t) => {
  const global = [{...task('g1', 0, NODES[1].ID, 'c2'.repeat(32)), Slot: undefined}]
  const [target] = taskTargets('agent', global, NODES)
  t.equal(target.slot, undefined)
  t.equal(target.prefix, `agent.${NODES[1].ID}@beta`)
  t.equal(target.host, undefined, 'no template, no host')
})

t.test('an unknown service is the manager\'s own error; a service without running tasks is ours', async (t) => {
  const missing = await fakeManager(t, {tasksStatus: 404})
  await t.rejects(resolveServiceTargets(missing.api, {service: 'web'}), {constructor: DaemonError, message: 'Error response from daemon: service web not found'})
  const empty = await fakeManager(t, {tasks: []})
  await t.rejects(resolveServiceTargets(empty.api, {service: 'web'}), {constructor: ServiceTargetError, message: 'service web has no running tasks'})
})
