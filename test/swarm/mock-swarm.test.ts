// The mock daemon playing a swarm manager: /nodes, /tasks, /services with Docker's filters and
// errors, each node a mock daemon of its own running the tasks' containers; the service-task
// resolver against it, including a task whose container vanished and one without a container yet.
import {existsSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import t, {type Test} from 'tap'
import {ConfigError, type MockDaemon, startMockDaemon} from '../../src/mock-daemon/index.js'
import {DockerApi} from '../../src/transport/docker-api.js'
import {parseHost} from '../../src/transport/host.js'
import {resolveServiceTargets} from '../../src/transport/service-tasks.js'
import {HIJACK_BIN, hijack, startCli} from '../helpers/cli.js'
import {apiRequest} from '../helpers/real-dockerd.js'
import {tempDir} from '../helpers/temp.js'
import {mockSwarmTargets, targetShape} from './mock-swarm-targets.js'

async function mockSwarm(t: Test): Promise<{daemon: MockDaemon; dir: string; api: DockerApi}> {
  const dir = tempDir(t, 'hj-ms-')
  const daemon = await startMockDaemon({
    socket: join(dir, 'manager.sock'),
    config: {
      nodes: ['node1', 'node2', 'node3'].map((hostname) => ({hostname, socket: join(dir, `${hostname}.sock`)})),
      services: [
        {
          name: 'web',
          cmd: ['sleep', '1000'],
          tasks: [{node: 'node1'}, {node: 'node2'}, {node: 'node3'}, {node: 'node1', slot: 2, desiredState: 'shutdown'}],
        },
        {name: 'flaky', cmd: ['sleep', '1000'], tasks: [{node: 'node1'}, {node: 'node2', container: 'vanished'}, {node: 'node3', container: 'none'}]},
      ],
    },
  })
  t.teardown(() => daemon.close())
  const api = await DockerApi.connect(parseHost(daemon.url), {})
  t.teardown(() => api.close())
  return {daemon, dir, api}
}

const get = async (url: string, path: string): Promise<{status: number; json: any}> => {
  const r = await apiRequest(url, 'GET', path)
  return {status: r.status, json: JSON.parse(r.body.toString())}
}
const filters = (f: Record<string, string[]>): string => `filters=${encodeURIComponent(JSON.stringify(f))}`

t.test('/nodes, /services, /tasks in the Engine API shapes, with filters', async (t) => {
  const {daemon} = await mockSwarm(t)
  const nodes = await get(daemon.url, '/v1.47/nodes')
  t.strictSame(nodes.json.map((n: any) => [n.Description.Hostname, n.Status.State, n.Spec.Role]), [
    ['node1', 'ready', 'manager'], ['node2', 'ready', 'worker'], ['node3', 'ready', 'worker'],
  ])
  t.strictSame(daemon.nodes?.map((n) => n.id), nodes.json.map((n: any) => n.ID), 'the handle lists the same nodes')
  const byName = await get(daemon.url, '/v1.47/nodes/node2')
  t.equal(byName.json.Description.Hostname, 'node2', 'a node by hostname')

  const services = await get(daemon.url, `/v1.47/services?${filters({name: ['web']})}`)
  t.strictSame(services.json.map((s: any) => [s.Spec.Name, s.Spec.Mode.Replicated.Replicas]), [['web', 3]])
  const web = services.json[0]

  const all = await get(daemon.url, `/v1.47/tasks?${filters({service: ['web']})}`)
  t.equal(all.json.length, 4, 'every task of the service, shut down ones too')
  for (const ref of ['web', web.ID, web.ID.slice(0, 6)]) {
    const running = await get(daemon.url, `/v1.47/tasks?${filters({service: [ref], 'desired-state': ['running']})}`)
    t.strictSame(running.json.map((x: any) => [x.Slot, x.Status.State]), [[1, 'running'], [2, 'running'], [3, 'running']], `service filter by ${ref}`)
  }
  const onNode2 = await get(daemon.url, `/v1.47/tasks?${filters({node: ['node2']})}`)
  t.strictSame(onNode2.json.map((x: any) => x.ServiceID === web.ID ? `web.${x.Slot}` : 'flaky'), ['web.2', 'flaky'])
  // the older filter form, {"key": {"value": true}}
  const legacy = await get(daemon.url, `/v1.47/tasks?filters=${encodeURIComponent('{"service":{"web":true},"desired-state":{"shutdown":true}}')}`)
  t.equal(legacy.json.length, 1)
})

t.test('Docker\'s errors: unknown service, bad filter, no swarm at all', async (t) => {
  const {daemon} = await mockSwarm(t)
  const missing = await get(daemon.url, `/v1.47/tasks?${filters({service: ['nope']})}`)
  t.strictSame([missing.status, missing.json.message], [404, 'service nope not found'])
  const bad = await get(daemon.url, `/v1.47/tasks?${filters({colour: ['red']})}`)
  t.strictSame([bad.status, bad.json.message], [400, "Invalid filter 'colour'"])
  // dockerd knows `label`; the mock does not match it, so it refuses rather than lists everything
  const unmatched = await get(daemon.url, `/v1.47/nodes?${filters({label: ['zone=a']})}`)
  t.strictSame([unmatched.status, unmatched.json.message], [400, "filter 'label' is not supported by the hijack mock daemon"])
  const broken = await get(daemon.url, `/v1.47/services?filters=${encodeURIComponent('{"name":')}`)
  t.equal(broken.status, 400, 'filters that are not JSON')
  t.match(broken.json.message, /^invalid filter: /)
  const noService = await get(daemon.url, '/v1.47/services/nope')
  t.equal(noService.status, 404)

  const plain = await startMockDaemon({socket: join(tempDir(t, 'hj-ms-'), 'd.sock')})
  t.teardown(() => plain.close())
  const notManager = await get(plain.url, '/v1.47/nodes')
  t.equal(notManager.status, 503)
  t.match(notManager.json.message, /not a swarm manager/)
})

t.test('a bad swarm config names the place', async (t) => {
  const start = (config: Record<string, unknown>) => startMockDaemon({socket: join(tempDir(t, 'hj-ms-'), 'd.sock'), config})
  await t.rejects(start({services: []}), {constructor: ConfigError, message: /config.nodes: expected a non-empty array/})
  await t.rejects(start({nodes: [{hostname: 'a/b'}]}), {constructor: ConfigError, message: /nodes\[0\].hostname/})
  await t.rejects(start({nodes: [{hostname: 'n1'}], services: [{name: 'web', cmd: ['true'], tasks: [{node: 'n9'}]}]}), {message: /service "web".tasks\[0\].node/})
  await t.rejects(start({nodes: [{hostname: 'n1'}], services: [{name: 'web', cmd: ['true'], tasks: [{node: 'n1'}, {node: 'n1', slot: 1}]}]}), {message: /two running tasks in slot 1/})
  await t.rejects(start({nodes: [{hostname: 'n1', colour: 'red'}]}), {message: /nodes\[0\]: unknown key "colour"/})
})

t.test('the resolver on the mock swarm; hijack exec reaches each task on its own node', async (t) => {
  const {api, dir} = await mockSwarm(t)
  const targets = await resolveServiceTargets(api, {service: 'web', nodeHost: `unix://${dir}/{hostname}.sock`})
  t.strictSame(targets.map((x) => [x.prefix, x.host]), [1, 2, 3].map((n) => [`web.${n}@node${n}`, `unix://${dir}/node${n}.sock`]))
  for (const target of targets) {
    const r = await hijack(['exec', '-H', target.host!, target.containerId!, 'sh', '-c', 'echo $HOSTNAME'])
    t.equal(r.stdout.toString(), `${target.hostname}\n`, `${target.prefix} runs on ${target.hostname}`)
  }
})

t.test('a vanished container and a task without one: reported per task, the others unaffected', async (t) => {
  const {api, dir} = await mockSwarm(t)
  const targets = await resolveServiceTargets(api, {service: 'flaky', nodeHost: `unix://${dir}/{hostname}.sock`})
  t.strictSame(targets.map((x) => [x.prefix, x.problem]), [
    ['flaky.1@node1', undefined],
    ['flaky.2@node2', undefined],
    ['flaky.3@node3', 'the task has no container yet (state preparing)'],
  ])
  const ok = await hijack(['exec', '-H', targets[0].host!, targets[0].containerId!, 'sh', '-c', 'echo $HOSTNAME'])
  t.strictSame([ok.code, ok.stdout.toString()], [0, 'node1\n'])
  const gone = await hijack(['exec', '-H', targets[1].host!, targets[1].containerId!, 'true'])
  t.equal(gone.code, 1)
  t.match(gone.stderr.toString(), `No such container: ${targets[1].containerId}`, 'the node does not have the container the manager names')
})

t.test('the mock targets have the shape of a real swarm\'s', async (t) => {
  const targets = await mockSwarmTargets(t, ['hijack-node1', 'hijack-node2', 'hijack-node3'], 'hijack-web')
  t.strictSame(targets.map(targetShape), [1, 2, 3].map((slot) => ({
    keys: ['addr', 'containerId', 'host', 'hostname', 'nodeId', 'nodeState', 'prefix', 'service', 'slot', 'taskId', 'taskState'],
    service: 'hijack-web',
    slot,
    prefix: true,
    taskId: true,
    nodeId: true,
    addr: true,
    containerId: true,
    host: 'unix://',
    nodeState: 'ready',
    taskState: 'running',
    problem: null,
  })))
})

t.test('hijack mock-daemon --config with nodes prints where each node listens, and SIGTERM stops them all', async (t) => {
  const dir = tempDir(t, 'hj-ms-')
  const config = join(dir, 'swarm.json')
  writeFileSync(config, JSON.stringify({
    nodes: [{hostname: 'node1', socket: join(dir, 'node1.sock')}, {hostname: 'node2', socket: join(dir, 'node2.sock')}],
    services: [{name: 'web', cmd: ['sleep', '1000'], runtime: 'builtin', tasks: [{node: 'node1'}, {node: 'node2'}]}],
  }))
  const cli = startCli(HIJACK_BIN, ['mock-daemon', '--socket', join(dir, 'manager.sock'), '--config', config])
  const out = await cli.waitForOutput(/node node2 listening/)
  t.match(out, `hijack mock-daemon listening on unix://${dir}/manager.sock\nhijack mock-daemon node node1 listening on unix://${dir}/node1.sock\nhijack mock-daemon node node2 listening on unix://${dir}/node2.sock\n`)
  const tasks = await get(`unix://${dir}/manager.sock`, `/v1.47/tasks?${filters({service: ['web']})}`)
  t.equal(tasks.json.length, 2)
  cli.child.kill('SIGTERM')
  const done = await cli.done
  t.equal(done.code, 0)
  t.notOk(existsSync(join(dir, 'node1.sock')) || existsSync(join(dir, 'node2.sock')), 'the node sockets are removed')
})
