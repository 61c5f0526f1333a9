// `hijack exec --service` and `attach --service` on the mock swarm: each task's session on its own
// node's daemon, prefixes service.slot@node, exit codes per task, a node stopped mid-run, --timeout
// across nodes, --json, a vanished container, --node-context, the default node reach, usage errors.
import {createHash} from 'node:crypto'
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import t, {type Test} from 'tap'
import {type MockDaemon, startMockDaemon} from '../../src/mock-daemon/index.js'
import {HIJACK_BIN, hijack, startCli} from '../helpers/cli.js'
import {apiRequest} from '../helpers/real-dockerd.js'
import {tempDir} from '../helpers/temp.js'

interface Swarm {
  daemon: MockDaemon
  dir: string
  /** -H for the manager, and --node-host naming each node's socket. */
  args: string[]
  /** The manager's running tasks of `service`, by slot: task ID, container ID, hostname. */
  tasks(service: string): Promise<Map<number, {id: string; container: string | undefined; node: string}>>
}

async function mockSwarm(t: Test): Promise<Swarm> {
  const dir = tempDir(t, 'hj-se-')
  const daemon = await startMockDaemon({
    socket: join(dir, 'manager.sock'),
    config: {
      nodes: ['node1', 'node2', 'node3'].map((hostname) => ({hostname, socket: join(dir, `${hostname}.sock`)})),
      services: [
        {name: 'web', cmd: ['sleep', '1000'], tasks: [{node: 'node1'}, {node: 'node2'}, {node: 'node3'}]},
        {name: 'flaky', cmd: ['sleep', '1000'], tasks: [{node: 'node1'}, {node: 'node2', container: 'vanished'}, {node: 'node3', container: 'none'}]},
        {name: 'ticker', cmd: ['sh', '-c', 'while :; do echo "tick $HOSTNAME"; sleep 0.2; done'], tasks: [{node: 'node1'}, {node: 'node2'}]},
      ],
    },
  })
  t.teardown(() => daemon.close())
  const tasks = async (service: string): Promise<Map<number, {id: string; container: string | undefined; node: string}>> => {
    const filters = encodeURIComponent(JSON.stringify({service: [service], 'desired-state': ['running']}))
    const list = JSON.parse((await apiRequest(daemon.url, 'GET', `/v1.47/tasks?filters=${filters}`)).body.toString())
    const byId = new Map(daemon.nodes!.map((n) => [n.id, n.hostname]))
    return new Map(list.map((x: any) => [x.Slot, {id: x.ID, container: x.Status.ContainerStatus?.ContainerID, node: byId.get(x.NodeID)!}]))
  }
  return {daemon, dir, args: ['-H', daemon.url, '--node-host', `unix://${dir}/{hostname}.sock`], tasks}
}

const lines = (b: Buffer): string[] => b.toString().split('\n').filter(Boolean)
const sorted = (b: Buffer): string[] => lines(b).sort()
const json = (b: Buffer): any[] => lines(b).map((l) => JSON.parse(l))

t.test('three tasks on three nodes: each line prefixed service.slot@node, each task on its own node', async (t) => {
  const s = await mockSwarm(t)
  const r = await hijack(['exec', ...s.args, '--service', 'web', 'sh', '-c', 'echo "$HOSTNAME"; echo "err $HOSTNAME" >&2'])
  t.equal(r.code, 0)
  t.strictSame(sorted(r.stdout), ['web.1@node1 | node1', 'web.2@node2 | node2', 'web.3@node3 | node3'])
  t.strictSame(sorted(r.stderr), ['web.1@node1 | err node1', 'web.2@node2 | err node2', 'web.3@node3 | err node3'], 'stderr stays on stderr, prefixed')
})

t.test('exit codes per task; hijack exits with the first failure in slot order', async (t) => {
  const s = await mockSwarm(t)
  // node1 -> 0, node2 -> 4, node3 -> 6
  const script = 'n=${HOSTNAME#node}; [ "$n" = 1 ] && exit 0; exit $((n * 2))'
  const r = await hijack(['exec', ...s.args, '--service', 'web', '--json', 'sh', '-c', script])
  t.equal(r.code, 4, 'the first failing task in slot order: web.2')
  const results = json(r.stdout).sort((a, b) => a.slot - b.slot)
  t.strictSame(results.map((x) => [x.slot, x.node, x.exitCode, x.error]), [[1, 'node1', 0, null], [2, 'node2', 4, null], [3, 'node3', 6, null]])
  const [only3] = [await hijack(['exec', ...s.args, '--service', 'web', 'sh', '-c', '[ "$HOSTNAME" = node3 ] && exit 9; exit 0'])]
  t.equal(only3.code, 9, 'one failing task sets the status')
})

t.test('--json: one object per task with its container, node daemon, service, slot, task ID and node', async (t) => {
  const s = await mockSwarm(t)
  const tasks = await s.tasks('web')
  const r = await hijack(['exec', ...s.args, '--service', 'web', '--json', 'sh', '-c', 'printf "%s" "$HOSTNAME"; printf xy >&2'])
  t.equal(r.code, 0)
  t.strictSame(sorted(r.stderr), ['web.1@node1 | node1', 'web.1@node1 | xy', 'web.2@node2 | node2', 'web.2@node2 | xy', 'web.3@node3 | node3', 'web.3@node3 | xy'],
    'with --json the output goes to stderr, still prefixed')
  const results = json(r.stdout).sort((a, b) => a.slot - b.slot)
  t.equal(results.length, 3)
  for (const x of results) {
    const task = tasks.get(x.slot)!
    t.strictSame(Object.keys(x), ['container', 'host', 'exitCode', 'durationMs', 'bytesOut', 'bytesErr', 'error', 'timedOut', 'service', 'slot', 'task', 'node'])
    t.match(x, {
      container: task.container, host: `unix://${s.dir}/${task.node}.sock`, exitCode: 0, bytesOut: 5, bytesErr: 2, error: null, timedOut: false,
      service: 'web', task: task.id, node: task.node,
    }, `web.${x.slot}`)
    t.type(x.durationMs, 'number')
  }
})

t.test('a vanished container and a task without one are reported with their prefixes; the other task runs', async (t) => {
  const s = await mockSwarm(t)
  const tasks = await s.tasks('flaky')
  const r = await hijack(['exec', ...s.args, '--service', 'flaky', '--json', 'sh', '-c', 'echo ok $HOSTNAME'])
  t.equal(r.code, 1, 'an error counts as 1')
  t.match(r.stderr.toString(), 'flaky.1@node1 | ok node1')
  t.match(r.stderr.toString(), `flaky.2@node2: Error response from daemon: No such container: ${tasks.get(2)!.container}`)
  t.match(r.stderr.toString(), 'flaky.3@node3: the task has no container yet (state preparing)')
  const results = json(r.stdout).sort((a, b) => a.slot - b.slot)
  t.strictSame(results.map((x) => [x.slot, x.exitCode, x.container === null, x.error === null]), [[1, 0, false, true], [2, null, false, false], [3, null, true, false]])
})

t.test('one node\'s daemon stopped mid-run: that task is reported, the others finish', async (t) => {
  const s = await mockSwarm(t)
  // node2's task waits long enough that only the stop can end it, however late the third start comes.
  const cli = startCli(HIJACK_BIN, ['exec', ...s.args, '--service', 'web', 'sh', '-c', 'echo start; [ "$HOSTNAME" = node2 ] && sleep 60; sleep 2; echo done'])
  await cli.waitForOutput(/(start[\s\S]*){3}/)
  await s.daemon.nodes!.find((n) => n.hostname === 'node2')!.close()
  const r = await cli.done
  t.not(r.code, 0, 'a failure')
  t.strictSame(sorted(r.stdout), ['web.1@node1 | done', 'web.1@node1 | start', 'web.2@node2 | start', 'web.3@node3 | done', 'web.3@node3 | start'])
  t.match(r.stderr.toString(), /^web\.2@node2: .+/m, 'the stopped node\'s task is reported with its prefix')
  t.notMatch(r.stderr.toString(), /web\.[13]@/, 'nothing to report for the others')
})

t.test('--timeout across nodes: every task stopped, exit 124', async (t) => {
  const s = await mockSwarm(t)
  const r = await hijack(['exec', ...s.args, '--service', 'web', '--json', '--timeout', '500ms', 'sh', '-c', 'echo up; sleep 30'])
  t.equal(r.code, 124)
  for (const n of [1, 2, 3]) t.match(r.stderr.toString(), `web.${n}@node${n}: timed out after 500ms: the command was stopped`)
  t.strictSame(json(r.stdout).map((x) => [x.timedOut, x.exitCode, x.bytesOut]), [[true, null, 3], [true, null, 3], [true, null, 3]])
})

t.test('--task: the one task as a plain exec (no prefix, stdin with -i)', async (t) => {
  const s = await mockSwarm(t)
  const tasks = await s.tasks('web')
  const bySlot = await hijack(['exec', ...s.args, '--service', 'web', '--task', '2', 'sh', '-c', 'echo "$HOSTNAME"; exit 3'])
  t.strictSame([bySlot.code, bySlot.stdout.toString()], [3, 'node2\n'])
  const byId = await hijack(['exec', ...s.args, '--service', 'web', '--task', tasks.get(3)!.id.slice(0, 10), '-i', 'sh', '-c', 'read x; echo "$x on $HOSTNAME"'], {input: 'hello\n'})
  t.strictSame([byId.code, byId.stdout.toString()], [0, 'hello on node3\n'])
  const vanished = await hijack(['exec', ...s.args, '--service', 'flaky', '--task', '3', 'true'])
  t.strictSame([vanished.code, vanished.stderr.toString()], [1, 'flaky.3@node3: the task has no container yet (state preparing)\n'])
  const missing = await hijack(['exec', ...s.args, '--service', 'web', '--task', '7', 'true'])
  t.strictSame([missing.code, missing.stderr.toString()], [1, 'service web has no running task "7"\n'])
  const timedOut = await hijack(['exec', ...s.args, '--service', 'web', '--task', '1', '--timeout', '300ms', 'sleep', '30'])
  t.strictSame([timedOut.code, timedOut.stderr.toString()], [124, 'web.1@node1: timed out after 300ms: the command was stopped\n'])
})

t.test('--node-context: a Docker context per node; a node without one is reported alone', async (t) => {
  const s = await mockSwarm(t)
  const config = tempDir(t, 'hj-se-cfg-')
  for (const hostname of ['node1', 'node3']) {
    const name = `swarm-${hostname}`
    const meta = join(config, 'contexts', 'meta', createHash('sha256').update(name).digest('hex'))
    mkdirSync(meta, {recursive: true})
    writeFileSync(join(meta, 'meta.json'), JSON.stringify({Name: name, Endpoints: {docker: {Host: `unix://${s.dir}/${hostname}.sock`}}}))
  }
  const r = await hijack(['exec', '-H', s.daemon.url, '--service', 'web', '--node-context', 'swarm-{hostname}', 'sh', '-c', 'echo $HOSTNAME'], {env: {DOCKER_CONFIG: config}})
  t.equal(r.code, 1)
  t.strictSame(sorted(r.stdout), ['web.1@node1 | node1', 'web.3@node3 | node3'])
  t.match(r.stderr.toString(), /^web\.2@node2: context "swarm-node2" does not exist/m)
})

t.test('the default node reach: a unix manager reaches only its own node, and says what to give', async (t) => {
  const s = await mockSwarm(t)
  // The mock manager is a socket of its own, not one of the nodes: no task is on "its" node.
  const r = await hijack(['exec', '-H', s.daemon.url, '--service', 'web', 'true'])
  t.equal(r.code, 1)
  for (const n of [1, 2, 3]) {
    t.match(r.stderr.toString(), `web.${n}@node${n}: node node${n} is not reached by ${s.daemon.url} (it reaches only its own node): give --node-host or --node-context`)
  }
})

t.test('attach --service --task: the task\'s container on its own node', async (t) => {
  const s = await mockSwarm(t)
  const cli = startCli(HIJACK_BIN, ['attach', ...s.args, '--service', 'ticker', '--task', '2'])
  await cli.waitForOutput(/tick node2\n/)
  cli.child.kill('SIGTERM') // forwarded to the container (sig-proxy): its sh dies of it
  const r = await cli.done
  t.equal(r.code, 143, 'the container\'s status')
  t.notMatch(r.stdout.toString(), /node1/, 'nothing from the other task')
  const two = await hijack(['attach', ...s.args, '--service', 'ticker'])
  t.strictSame([two.code, two.stderr.toString()], [125, 'service ticker runs 2 tasks (ticker.1@node1, ticker.2@node2): choose one with --task SLOT|ID\n'])
  const gone = await hijack(['attach', ...s.args, '--service', 'flaky', '--task', '2'])
  t.equal(gone.code, 1)
  t.match(gone.stderr.toString(), /^Error response from daemon: No such container: [0-9a-f]{64}\n$/)
})

t.test('invalid combinations: clear errors, exit 125, nothing asked of the manager', async (t) => {
  const s = await mockSwarm(t)
  const tasks = await s.tasks('web')
  const asked: string[] = []
  s.daemon.events.on('request', (r: {path: string}) => asked.push(r.path))
  const cases: Array<[string[], RegExp | string]> = [
    [['exec', ...s.args, '--service', 'web', '-t', 'sh'], '-t cannot be used with --service without --task (several tasks): their terminals would share one screen'],
    [['exec', ...s.args, '--service', 'web', '-d', 'sh'], '-d cannot be used with --service without --task'],
    [['exec', ...s.args, '--service', 'web', '--node-context', 'x', 'sh'], 'conflicting options: cannot specify both --node-host and --node-context'],
    [['exec', '-H', s.daemon.url, '--task', '1', 'c', 'sh'], '--task needs --service'],
    [['exec', '-H', s.daemon.url, '--node-host', 'unix:///x', 'c', 'sh'], '--node-host needs --service'],
    [['exec', ...s.args, '--service', 'web', '--filter', 'name=x', 'sh'], '--service cannot be used with --filter'],
    [['exec', '-H', s.daemon.url, '-H', s.daemon.url, '--service', 'web', 'sh'], '--service asks one swarm manager: give -H or --context once'],
    [['exec', '-H', s.daemon.url, '--service', 'web', '--node-host', 'tcp://{ip}:2375', 'sh'], /unknown placeholder \{ip\}/],
    [['exec', ...s.args, '--service', 'web', '--task', '1', '--json', '-t', 'sh'], '-t cannot be used with the fan-out flags'],
    [['attach', ...s.args, '--service', 'web', '--task', '1', 'c1'], '--service attaches to a task\'s container: give no CONTAINER (got "c1")'],
    [['attach', '-H', s.daemon.url, '--node-context', 'x', 'c1'], '--node-context needs --service'],
  ]
  for (const [args, message] of cases) {
    const r = await hijack(args)
    t.equal(r.code, 125, args.join(' '))
    t.match(r.stderr.toString(), message)
  }
  t.notOk(asked.some((p) => p.includes('/tasks')), 'no usage error asked the manager for tasks')

  // A CONTAINER operand given with --service: found only once the tasks are known.
  for (const operand of [tasks.get(2)!.container!, tasks.get(2)!.container!.slice(0, 12), `web.2.${tasks.get(2)!.id}`]) {
    const r = await hijack(['exec', ...s.args, '--service', 'web', operand, 'hostname'])
    t.strictSame([r.code, r.stderr.toString()], [125, `"${operand}" is a container of service web: with --service give only the command (--task picks one task)\n`])
  }
  const nothing = await hijack(['exec', ...s.args, '--service', 'web'])
  t.equal(nothing.code, 1, 'no command: Docker\'s missing-argument status')
  t.match(nothing.stderr.toString(), /requires at least 2 arguments/)
})
