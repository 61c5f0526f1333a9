// The real three-node swarm of scripts/swarm.sh: `up` gives three running tasks on three nodes with
// distinct hostnames and leaves the root network namespace as it was; the service-task resolver finds
// each task's container on its own node, and `hijack exec` there prints that node's hostname; `down`
// leaves nothing behind. With CI=true a swarm that cannot start fails the run.
import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import t from 'tap'
import {DockerApi} from '../../src/transport/docker-api.js'
import {parseHost} from '../../src/transport/host.js'
import {resolveServiceTargets, type TaskTarget} from '../../src/transport/service-tasks.js'
import {HIJACK_BIN, hijack} from '../helpers/cli.js'
import {apiRequest} from '../helpers/real-dockerd.js'
import {netnsPids, rootNetworkState, rssBytes, SERVICE, startSwarm, swarmScript} from '../helpers/swarm.js'
import {mockSwarmTargets, targetShape} from './mock-swarm-targets.js'

// `up` takes ~35 s on an idle machine but minutes on a loaded one: more than tap's default file timeout.
t.setTimeout(900_000)
const t0 = Date.now()
const before = await rootNetworkState()
const swarm = await startSwarm(t)

if (swarm) {
  const pids = await netnsPids(await swarm.netns())
  const rss = await rssBytes(pids)
  t.comment(`swarm up in ${swarm.upMs} ms; ${pids.length} processes, RSS ${(rss / 2 ** 20).toFixed(0)} MiB`)

  const getJson = async <T>(host: string, path: string): Promise<T> => {
    const r = await apiRequest(host, 'GET', path)
    if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.body}`)
    return JSON.parse(r.body.toString()) as T
  }

  t.test('up: three running tasks of hijack-web, one on each of three nodes with distinct hostnames', async (t) => {
    t.ok(rss < 2 ** 30, `the swarm's processes hold under 1 GiB (${(rss / 2 ** 20).toFixed(0)} MiB)`)
    const hostnames = swarm.nodes.map((n) => n.hostname)
    t.equal(new Set(hostnames).size, 3, `three distinct hostnames: ${hostnames.join(', ')}`)
    t.equal(swarm.manager, swarm.nodes[0].host, 'the manager is the first node')

    type Node = {ID: string; Description: {Hostname: string}; Status: {State: string; Addr: string}}
    const nodes = await getJson<Node[]>(swarm.manager, '/nodes')
    t.strictSame(nodes.map((n) => n.Description.Hostname).sort(), [...hostnames].sort(), 'GET /nodes lists the three nodes')
    t.ok(nodes.every((n) => n.Status.State === 'ready' && /^10\.231\.0\.[123]$/.test(n.Status.Addr)), 'every node is ready at its namespace address')

    const filters = encodeURIComponent(JSON.stringify({service: [SERVICE], 'desired-state': ['running']}))
    type Task = {NodeID: string; Slot: number; Status: {State: string; ContainerStatus?: {ContainerID?: string}}}
    const tasks = await getJson<Task[]>(swarm.manager, `/tasks?filters=${filters}`)
    t.equal(tasks.length, 3, 'three tasks')
    t.ok(tasks.every((task) => task.Status.State === 'running' && /^[0-9a-f]{64}$/.test(task.Status.ContainerStatus?.ContainerID ?? '')), 'all running, each with a container')
    t.strictSame(tasks.map((task) => task.Slot).sort(), [1, 2, 3], 'slots 1, 2, 3')
    t.strictSame(new Set(tasks.map((task) => task.NodeID)), new Set(nodes.map((n) => n.ID)), 'one task on each node')
  })

  t.test('each node\'s dockerd answers on its own unix socket, as the node it claims to be', async (t) => {
    for (const node of swarm.nodes) {
      const ping = await apiRequest(node.host, 'GET', '/_ping')
      t.equal(ping.body.toString(), 'OK', `${node.hostname} answers /_ping`)
      const info = await getJson<{Name: string; Swarm: {LocalNodeState: string}}>(node.host, '/info')
      t.equal(info.Name, node.hostname)
      t.equal(info.Swarm.LocalNodeState, 'active', `${node.hostname} is in the swarm`)
    }
  })

  t.test('the root network namespace has no new link, address or route', async (t) => {
    const after = await rootNetworkState()
    t.strictSame(after.filter((line) => !before.includes(line)), [], 'nothing added')
    t.notOk(after.some((line) => /docker_gwbridge|docker0|10\.231\./.test(line)), 'no swarm bridge or swarm address in the root namespace')
  })

  let targets: TaskTarget[] = []
  t.test('the resolver: each task\'s container on its own node, reached through the node host template', async (t) => {
    const api = await DockerApi.connect(parseHost(swarm.manager), {})
    t.teardown(() => api.close())
    targets = await resolveServiceTargets(api, {service: SERVICE, nodeHost: `unix://${swarm.dir}/{hostname}/docker.sock`})
    t.equal(targets.length, 3)
    for (const target of targets) {
      const node = swarm.nodes.find((n) => n.hostname === target.hostname)
      t.equal(target.host, node?.host, `${target.prefix}: the template names ${target.hostname}'s socket`)
      t.match(target.prefix, new RegExp(`^${SERVICE}\\.${target.slot}@${target.hostname}$`))
      t.equal(target.problem, undefined)
    }
    const [two] = await resolveServiceTargets(api, {service: SERVICE, task: '2'})
    t.equal(two.slot, 2, '--task 2 picks slot 2')
  })

  t.test('hijack exec -H <node socket> <task container> hostname prints three distinct node hostnames', async (t) => {
    const printed: string[] = []
    for (const target of targets) {
      const r = await hijack(['exec', '-H', target.host!, target.containerId!, 'hostname'])
      t.equal(r.code, 0, `${target.prefix}: exit 0`)
      printed.push(r.stdout.toString().trim())
      t.equal(printed.at(-1), target.hostname, `${target.prefix}: the container runs on ${target.hostname}`)
    }
    t.equal(new Set(printed).size, 3, `three distinct hostnames: ${printed.join(', ')}`)
  })

  t.test('over TCP inside the client namespace: the node daemons at 10.231.0.N:2375', async (t) => {
    const routes = await swarm.inClient('ip', ['route', 'show', 'default'])
    t.equal(routes.stdout.toString(), '', 'the client namespace has no default route')
    for (const target of targets) {
      const r = await swarm.inClient(HIJACK_BIN, ['exec', '-H', `tcp://${target.addr}:2375`, target.containerId!, 'hostname'])
      t.equal(r.code, 0, `${target.prefix}: exit 0 over tcp://${target.addr}:2375`)
      t.equal(r.stdout.toString().trim(), target.hostname)
    }
  })

  t.test('the mock swarm gives the resolver the same shape of result as the real one', async (t) => {
    const mock = await mockSwarmTargets(t, swarm.nodes.map((n) => n.hostname), SERVICE)
    t.strictSame(mock.map(targetShape), targets.map(targetShape))
  })

  t.test('down: no process, namespace, mount or folder left; the root namespace as before; safe twice', async (t) => {
    const names = await swarm.netns()
    t.equal(names.length, 5, `five namespaces before down: ${names.join(', ')}`)
    const r = await swarm.down()
    t.equal(r.code, 0, 'down exits 0')
    t.strictSame(await swarm.netns(), [], 'no namespace left')
    t.strictSame(pids.filter((pid) => existsSync(`/proc/${pid}`)), [], 'none of the swarm\'s processes is left')
    const mounts = await readFile('/proc/self/mounts', 'utf8')
    t.notOk(mounts.includes(swarm.dir), 'no mount under the swarm folder')
    t.notOk(names.some((n) => mounts.includes(`/run/netns/${n}`)), 'no namespace mount')
    t.notOk(existsSync(swarm.dir), 'the folder is gone')
    const after = await rootNetworkState()
    t.strictSame(after.filter((line) => !before.includes(line)), [], 'the root namespace has nothing new')
    const again = await swarmScript('down', swarm.dir)
    t.equal(again.code, 0, 'a second down exits 0')
  })

  t.teardown(() => {
    t.comment(`swarm test wall time ${Date.now() - t0} ms`)
  })
}
