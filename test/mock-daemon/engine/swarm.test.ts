// The swarm a manager plays, without sockets: placement of task containers, ids, and reference lookup.
import t from 'tap'
import {Swarm, SwarmAmbiguousError} from '../../../src/mock-daemon/engine/swarm.js'
import {validateSwarmConfig} from '../../../src/mock-daemon/swarm-config.js'

const spec = validateSwarmConfig({
  nodes: [{hostname: 'node1'}, {hostname: 'node2'}],
  services: [{
    name: 'web',
    cmd: ['sleep', '100'],
    tasks: [
      {node: 'node1'},
      {node: 'node2'},
      {node: 'node2', slot: 3, container: 'vanished'},
      {node: 'node1', slot: 4, container: 'none'},
      {node: 'node1', slot: 1, desiredState: 'shutdown'},
    ],
  }],
})!

t.test('each node runs the containers of its running tasks, named and labelled as swarm does', async (t) => {
  const swarm = new Swarm(spec, (node) => `/tmp/x/${node.hostname}.sock`)
  t.strictSame(swarm.nodes.map((n) => n.url), ['unix:///tmp/x/node1.sock', 'unix:///tmp/x/node2.sock'])
  const [node1, node2] = swarm.nodes
  const web = swarm.services[0]
  const onNode1 = swarm.nodeContainers.get('node1')!
  const onNode2 = swarm.nodeContainers.get('node2')!
  // node1: slot 1 only (slot 4 has no container yet, the shut-down slot-1 task none any more)
  t.equal(onNode1.length, 1)
  t.equal(onNode2.length, 1, 'the vanished task has no container on its node')
  const task1 = swarm.tasks.find((task) => task.slot === 1 && task.desiredState === 'running')!
  t.equal(onNode1[0].name, `web.1.${task1.id}`)
  t.equal(onNode1[0].id, task1.containerId)
  t.strictSame(onNode1[0].env, ['HOSTNAME=node1'])
  t.equal(onNode1[0].labels?.['com.docker.swarm.node.id'], node1.id)
  t.equal(onNode1[0].labels?.['com.docker.swarm.service.id'], web.id)
  t.equal(onNode2[0].labels?.['com.docker.swarm.node.id'], node2.id)
  const vanished = swarm.tasks.find((task) => task.slot === 3)!
  t.match(vanished.containerId, /^[0-9a-f]{64}$/, 'the manager still names a container for a vanished task')
  t.equal(swarm.tasks.find((task) => task.slot === 4)!.containerId, undefined)
  t.equal(swarm.serviceOf(vanished), web)
})

t.test('references: id, name, unique id prefix; an ambiguous prefix throws', async (t) => {
  const swarm = new Swarm(spec, (node) => `/tmp/x/${node.hostname}.sock`)
  const [node1] = swarm.nodes
  t.equal(swarm.findNode('node1'), node1)
  t.equal(swarm.findNode(node1.id), node1)
  t.equal(swarm.findNode(node1.id.slice(0, 20)), node1)
  t.equal(swarm.findNode('node9'), undefined)
  t.equal(swarm.findService('web'), swarm.services[0])
  t.equal(swarm.findTask(swarm.tasks[2].id), swarm.tasks[2])
  // 37 tasks, 36 possible first characters: two ids share one (pigeonhole), a prefix naming both.
  const many = new Swarm(validateSwarmConfig({
    nodes: [{hostname: 'node1'}],
    services: [{name: 'many', cmd: ['true'], tasks: Array.from({length: 37}, () => ({node: 'node1'}))}],
  })!, () => '/tmp/x/node1.sock')
  const counts = new Map<string, number>()
  for (const task of many.tasks) counts.set(task.id[0], (counts.get(task.id[0]) ?? 0) + 1)
  const [shared, n] = [...counts].find(([, count]) => count > 1)!
  t.throws(() => many.findTask(shared), new SwarmAmbiguousError('task', shared, n))
  t.equal(many.findTask(many.tasks[0].id), many.tasks[0], 'a full id is never ambiguous')
  t.equal(swarm.findTask(''), undefined, 'an empty reference names nothing')
})
