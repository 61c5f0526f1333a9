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
import {HIJACK_BIN, hijack, startCli} from '../helpers/cli.js'
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

  // hijack exec --service: from the root namespace only through unix sockets (--node-host names each
  // node's control socket by {hostname}); over TCP only inside the client namespace.
  const nodeHost = (): string[] => ['-H', swarm.manager, '--node-host', `unix://${swarm.dir}/{hostname}/docker.sock`]
  const outLines = (b: Buffer): string[] => b.toString().split('\n').filter(Boolean).sort()
  const results = (b: Buffer): any[] => b.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l)).sort((a, b) => a.slot - b.slot)
  const nodeOfSlot = (slot: number): string => targets.find((x) => x.slot === slot)!.hostname

  t.test('exec --service over unix sockets: each task on its own node, prefixed service.slot@node', async (t) => {
    const r = await hijack(['exec', ...nodeHost(), '--service', SERVICE, 'hostname'])
    t.equal(r.code, 0, r.stderr.toString())
    t.strictSame(outLines(r.stdout), [1, 2, 3].map((slot) => `${SERVICE}.${slot}@${nodeOfSlot(slot)} | ${nodeOfSlot(slot)}`))
    const one = await hijack(['exec', ...nodeHost(), '--service', SERVICE, '--task', '2', 'hostname'])
    t.strictSame([one.code, one.stdout.toString()], [0, `${nodeOfSlot(2)}\n`], '--task 2: a plain exec on slot 2\'s node')
  })

  t.test('exec --service --json: exit codes per task and what each object says', async (t) => {
    const codeOf: Record<string, number> = {[swarm.nodes[0].hostname]: 0, [swarm.nodes[1].hostname]: 5, [swarm.nodes[2].hostname]: 7}
    const script = `case $(hostname) in ${Object.entries(codeOf).map(([h, c]) => `${h}) exit ${c};;`).join(' ')} esac`
    const r = await hijack(['exec', ...nodeHost(), '--service', SERVICE, '--json', 'sh', '-c', `hostname >&2; ${script}`])
    const firstFailure = [1, 2, 3].map((slot) => codeOf[nodeOfSlot(slot)]).find((c) => c !== 0)
    t.equal(r.code, firstFailure, 'the first failure in slot order')
    t.strictSame(outLines(r.stderr), [1, 2, 3].map((slot) => `${SERVICE}.${slot}@${nodeOfSlot(slot)} | ${nodeOfSlot(slot)}`), 'output on stderr with --json')
    t.strictSame(results(r.stdout).map((x) => ({...x, durationMs: typeof x.durationMs})), [1, 2, 3].map((slot) => {
      const target = targets.find((x) => x.slot === slot)!
      return {
        container: target.containerId, host: swarm.nodes.find((n) => n.hostname === target.hostname)!.host, exitCode: codeOf[target.hostname],
        durationMs: 'number', bytesOut: 0, bytesErr: target.hostname.length + 1, error: null, timedOut: false,
        service: SERVICE, slot, task: target.taskId, node: target.hostname,
      }
    }))
  })

  t.test('exec --service --timeout across nodes: every task stopped, exit 124', async (t) => {
    const r = await hijack(['exec', ...nodeHost(), '--service', SERVICE, '--json', '--timeout', '2s', 'sh', '-c', 'echo up; sleep 60'])
    t.equal(r.code, 124)
    for (const slot of [1, 2, 3]) t.match(r.stderr.toString(), `${SERVICE}.${slot}@${nodeOfSlot(slot)}: timed out after 2s: the command was stopped`)
    t.strictSame(results(r.stdout).map((x) => [x.slot, x.timedOut, x.exitCode, x.bytesOut]), [[1, true, null, 3], [2, true, null, 3], [3, true, null, 3]])
    const left = await hijack(['exec', ...nodeHost(), '--service', SERVICE, 'sh', '-c', 'ps -o args | grep -c "^sleep 60" || true'])
    t.strictSame(outLines(left.stdout).map((l) => l.split(' | ')[1]), ['0', '0', '0'], 'no stopped command is left running on any node')
  })

  t.test('the default node reach: the manager\'s unix socket reaches only its own node', async (t) => {
    const r = await hijack(['exec', '-H', swarm.manager, '--service', SERVICE, 'hostname'])
    t.equal(r.code, 1)
    const managerSlot = targets.find((x) => x.hostname === swarm.nodes[0].hostname)!.slot
    t.strictSame(outLines(r.stdout), [`${SERVICE}.${managerSlot}@${swarm.nodes[0].hostname} | ${swarm.nodes[0].hostname}`])
    for (const node of swarm.nodes.slice(1)) t.match(r.stderr.toString(), `@${node.hostname}: node ${node.hostname} is not reached by ${swarm.manager}`)
  })

  t.test('attach --service --task: the task\'s container on its node sees what is written to its PID 1', async (t) => {
    const cli = startCli(HIJACK_BIN, ['attach', ...nodeHost(), '--service', SERVICE, '--task', '3', '--no-stdin', '--sig-proxy=false'])
    // The attach is in place once hijack holds the stream; write until the line comes through.
    let seen = false
    for (let i = 0; i < 40 && !seen; i++) {
      await hijack(['exec', ...nodeHost(), '--service', SERVICE, '--task', '3', 'sh', '-c', 'echo "pid1 of $(hostname)" > /proc/1/fd/1'])
      seen = cli.stdout().includes(`pid1 of ${nodeOfSlot(3)}\n`)
      if (!seen) await new Promise((resolve) => setTimeout(resolve, 250))
    }
    cli.child.kill('SIGKILL')
    await cli.done
    t.ok(seen, `attach shows the line written on ${nodeOfSlot(3)}: ${JSON.stringify(cli.stdout())}`)
  })

  t.test('over TCP inside the client namespace: exec --service through the manager at its namespace address', async (t) => {
    const manager = `tcp://${targets.find((x) => x.hostname === swarm.nodes[0].hostname)!.addr}:2375`
    // The default for a tcp manager: each node at its own address, same port.
    const r = await swarm.inClient(HIJACK_BIN, ['exec', '-H', manager, '--service', SERVICE, 'hostname'])
    t.equal(r.code, 0, r.stderr.toString())
    t.strictSame(outLines(r.stdout), [1, 2, 3].map((slot) => `${SERVICE}.${slot}@${nodeOfSlot(slot)} | ${nodeOfSlot(slot)}`))
    const json = await swarm.inClient(HIJACK_BIN, ['exec', '-H', manager, '--service', SERVICE, '--node-host', 'tcp://{addr}:2375', '--json', '--timeout', '2s', 'sh', '-c', 'hostname; sleep 60'])
    t.equal(json.code, 124)
    t.strictSame(results(json.stdout).map((x) => [x.slot, x.node, x.host, x.timedOut]),
      [1, 2, 3].map((slot) => [slot, nodeOfSlot(slot), `tcp://${targets.find((x) => x.slot === slot)!.addr}:2375`, true]))
  })

  t.test('one node\'s dockerd stopped mid-run (TERM by pid, as swarm.sh does): its task is reported, the others finish', async (t) => {
    const victim = swarm.nodes[2].hostname
    const script = `echo start; if [ "$(hostname)" = ${victim} ]; then sleep 120; else sleep 5; fi; echo done`
    const cli = startCli(HIJACK_BIN, ['exec', ...nodeHost(), '--service', SERVICE, '--json', 'sh', '-c', script])
    // With --json the commands' output is on stderr.
    const deadline = Date.now() + 60_000
    while ((cli.stderr().match(/ \| start$/gm)?.length ?? 0) < 3) {
      if (Date.now() > deadline || cli.child.exitCode !== null) throw new Error(`no three starts: ${cli.stderr()}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const pid = Number((await readFile(`${swarm.dir}/${victim}/docker.pid`, 'utf8')).trim())
    t.equal((await readFile(`/proc/${pid}/comm`, 'utf8')).trim(), 'dockerd', `${victim}'s dockerd is pid ${pid}`)
    process.kill(pid, 'SIGTERM')
    const r = await cli.done
    t.not(r.code, 0, 'a failure')
    const byNode = new Map(results(r.stdout).map((x) => [x.node, x]))
    for (const node of swarm.nodes.slice(0, 2)) {
      t.match(byNode.get(node.hostname), {exitCode: 0, error: null}, `${node.hostname} finished`)
      t.match(r.stderr.toString(), new RegExp(`@${node.hostname} \\| done`))
    }
    const lost = byNode.get(victim)
    t.ok(lost && lost.exitCode !== 0, `${victim}'s task is reported as not done: ${JSON.stringify(lost)}`)
    t.notMatch(r.stderr.toString(), new RegExp(`@${victim} \\| done`), 'the stopped node\'s command did not finish')
    if (lost?.error) t.match(r.stderr.toString(), `@${victim}: ${lost.error}`, 'its error is printed with its prefix')
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
