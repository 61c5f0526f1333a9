// The real Docker CLI against the mock daemon: ps and its filters, create/start/stop/rm, run (-d, attached,
// --rm, -i, -t), start -a, and exec/attach on containers the CLI created. No image endpoints are involved:
// `docker create`/`run` only pull when the create answers 404, and the mock accepts any image name.
// Without a docker binary this file is skipped visibly (a failure when CI=true).
import {spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import t from 'tap'
import {startMockDaemon, type MockDaemon} from '../../src/mock-daemon/index.js'
import {dockerCli, runCommand, startDocker} from '../helpers/cli.js'

const hasDocker = spawnSync('docker', ['--version']).status === 0
const hasScript = spawnSync('script', ['--version']).status === 0
const dir = mkdtempSync('/tmp/hjl-')
const sock = join(dir, 'd.sock')
const gate = join(dir, 'go')
let daemon: MockDaemon
let host: string

t.teardown(() => rmSync(dir, {recursive: true, force: true}))

const docker = (args: string[], input?: string | Buffer) => dockerCli(host, args, {input})
const out = (r: {stdout: Buffer}) => r.stdout.toString()
const lines = (r: {stdout: Buffer}) => out(r).split('\n').filter(Boolean).sort()

t.test('docker CLI lifecycle against the mock', {skip: !hasDocker && process.env.CI !== 'true' ? 'no docker CLI on PATH' : false}, async (t) => {
  daemon = await startMockDaemon({
    socket: sock,
    config: {
      containers: [
        {name: 'web', cmd: ['sleep', '1000'], labels: {app: 'web', tier: 'front'}},
        {name: 'db', cmd: ['sleep', '1000'], labels: {app: 'db'}},
        {name: 'oneshot', cmd: ['true'], labels: {app: 'web'}},
        {name: 'bi-box', runtime: 'builtin', cmd: ['sleep', '1000']},
      ],
    },
  })
  host = daemon.url
  t.teardown(() => daemon.close())

  t.test('ps, ps -a, label/name/status filters, -q, --format', async (t) => {
    const waited = await docker(['wait', 'oneshot'])
    t.equal(out(waited), '0\n', 'docker wait: the short-lived container has exited 0')

    const ps = await docker(['ps', '--format', '{{.Names}}'])
    t.equal(ps.code, 0, ps.stderr.toString())
    t.same(lines(ps), ['bi-box', 'db', 'web'], 'running containers only')
    t.same(lines(await docker(['ps', '-a', '--format', '{{.Names}}'])), ['bi-box', 'db', 'oneshot', 'web'])
    t.same(lines(await docker(['ps', '-a', '--filter', 'label=app=web', '--format', '{{.Names}}'])), ['oneshot', 'web'])
    t.same(lines(await docker(['ps', '--filter', 'label=app=web', '--format', '{{.Names}}'])), ['web'])
    t.same(lines(await docker(['ps', '-a', '--filter', 'label=tier', '--format', '{{.Names}}'])), ['web'], 'a key alone')
    t.same(lines(await docker(['ps', '--filter', 'name=^d', '--format', '{{.Names}}'])), ['db'])

    const oneshot = daemon.container('oneshot')!
    t.equal(out(await docker(['ps', '--filter', 'status=exited', '-q'])), `${oneshot.id.slice(0, 12)}\n`, 'status=exited, short ids')
    t.equal(out(await docker(['ps', '-a', '-q', '--no-trunc', '--filter', `id=${oneshot.id.slice(0, 10)}`])), `${oneshot.id}\n`)

    const row = await docker(['ps', '--filter', 'name=^web$', '--format', '{{.Image}}|{{.Command}}|{{.Status}}|{{.Label "tier"}}|{{.Ports}}'])
    t.match(out(row), /^hijack-mock\|"sleep 1000"\|Up (Less than a second|\d+ seconds?|About a minute)\|front\|\n$/)
    const exited = await docker(['ps', '-a', '--filter', 'name=oneshot', '--format', '{{.Status}}'])
    t.match(out(exited), /^Exited \(0\) .+ ago\n$/)

    const table = await docker(['ps'])
    t.match(out(table), /^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES\n/, 'the default table renders')

    const bad = await docker(['ps', '--filter', 'status=sleepy'])
    t.equal(bad.code, 1)
    t.match(bad.stderr.toString(), /Error response from daemon: invalid filter 'status=sleepy'/)
  })

  t.test('create, start, stop, rm (and rm of a running container refused)', async (t) => {
    const created = await docker(['create', '--name', 'life', '-l', 'suite=cli', '-e', 'GREETING=hi', 'busybox', 'sleep', '1000'])
    t.equal(created.code, 0, created.stderr.toString())
    t.match(out(created), /^[0-9a-f]{64}\n$/, 'the new id')
    const id = out(created).trim()
    t.equal(out(await docker(['ps', '-a', '--filter', 'label=suite=cli', '--format', '{{.Names}} {{.Status}}'])), 'life Created\n')

    const conflict = await docker(['create', '--name', 'life', 'busybox', 'true'])
    t.not(conflict.code, 0)
    t.match(conflict.stderr.toString(), `Conflict. The container name "/life" is already in use by container "${id}"`)

    const started = await docker(['start', 'life'])
    t.equal(out(started), 'life\n', started.stderr.toString())
    t.equal(out(await docker(['inspect', '-f', '{{.State.Status}} {{.Config.Image}} {{.HostConfig.NetworkMode}}', 'life'])), 'running busybox none\n')
    t.equal(out(await docker(['exec', 'life', 'sh', '-c', 'echo $GREETING'])), 'hi\n', 'the container env reaches execs')

    const refused = await docker(['rm', 'life'])
    t.equal(refused.code, 1)
    t.match(refused.stderr.toString(), `You cannot remove a running container ${id}. Stop the container before attempting removal or force remove`)

    const pid = daemon.container('life')!.pid
    t.equal(out(await docker(['stop', '-t', '5', 'life'])), 'life\n')
    t.equal(out(await docker(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'life'])), 'exited 143\n')
    t.throws(() => process.kill(pid, 0), 'the process is gone')

    t.equal(out(await docker(['rm', 'life'])), 'life\n')
    t.equal(out(await docker(['ps', '-a', '-q', '--filter', 'name=life'])), '')
    const missing = await docker(['inspect', 'life'])
    t.equal(missing.code, 1)
    t.match(missing.stderr.toString(), /No such object: life/)
  })

  t.test('run -d, exec -i into it, attach to it, rm -f', async (t) => {
    const run = await docker(['run', '-d', '--name', 'bg', 'busybox', 'sh', '-c', `while [ ! -e ${gate} ]; do sleep 0.02; done; echo bye; echo bye-err >&2; exit 6`])
    t.equal(run.code, 0, run.stderr.toString())
    t.match(out(run), /^[0-9a-f]{64}\n$/)
    t.equal(out(await docker(['ps', '--filter', 'name=bg', '--format', '{{.State}}'])), 'running\n')

    const cat = await docker(['exec', '-i', 'bg', 'cat'], 'through exec -i\n')
    t.equal(out(cat), 'through exec -i\n')
    t.equal(cat.code, 0)

    const attached = new Promise<void>((resolve) => daemon.events.once('attach', () => resolve()))
    const attach = startDocker(host, ['attach', 'bg'])
    await attached
    writeFileSync(gate, '')
    const result = await attach.done
    t.equal(result.stdout.toString(), 'bye\n')
    t.equal(result.stderr.toString(), 'bye-err\n')
    t.equal(result.code, 6, 'the exit code from wait')
    rmSync(gate)

    const keep = await docker(['run', '-d', '--name', 'bg2', 'busybox', 'sleep', '1000'])
    t.equal(keep.code, 0)
    const pid = daemon.container('bg2')!.pid
    t.equal(out(await docker(['rm', '-f', 'bg', 'bg2'])), 'bg\nbg2\n')
    t.throws(() => process.kill(pid, 0), 'the running container was killed')
    t.equal(out(await docker(['ps', '-a', '-q', '--filter', 'name=bg'])), '')
  })

  t.test('run attached: stdout and stderr apart, the exit code; --rm removes the container', async (t) => {
    const r = await docker(['run', '--rm', '--name', 'rm-me', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3'])
    t.equal(out(r), 'out\n')
    t.equal(r.stderr.toString(), 'err\n')
    t.equal(r.code, 3)
    t.equal(out(await docker(['ps', '-a', '-q', '--filter', 'name=rm-me'])), '', 'removed (HostConfig.AutoRemove)')
  })

  t.test('run -i: piped stdin reaches a container that starts after the attach', async (t) => {
    const r = await docker(['run', '-i', '--rm', 'busybox', 'cat'], 'piped into run\n')
    t.equal(out(r), 'piped into run\n')
    t.equal(r.code, 0, r.stderr.toString())
  })

  t.test('run with the builtin runtime (label hijack.runtime=builtin)', async (t) => {
    const r = await docker(['run', '--rm', '-l', 'hijack.runtime=builtin', 'busybox', 'echo', 'from', 'builtin'])
    t.equal(out(r), 'from builtin\n')
    t.equal(r.code, 0)
    const i = await docker(['exec', '-i', 'bi-box', 'cat'], 'builtin cat\n')
    t.equal(out(i), 'builtin cat\n')
  })

  t.test('run of a missing command: the start fails like dockerd\'s, exit 127', async (t) => {
    const r = await docker(['run', '--name', 'broken', 'busybox', 'nosuchcmd'])
    t.equal(r.code, 127)
    t.match(r.stderr.toString(), /Error response from daemon: failed to create task for container: .*exec: "nosuchcmd": executable file not found in \$PATH/)
    t.equal(out(await docker(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'broken'])), 'exited 127\n')
    await docker(['rm', 'broken'])
  })

  t.test('start -a: attach, then start a created container', async (t) => {
    await docker(['create', '--name', 'later', 'busybox', 'sh', '-c', 'echo from-start; exit 2'])
    const r = await docker(['start', '-a', 'later'])
    t.equal(out(r), 'from-start\n')
    t.equal(r.code, 2)
    const again = await docker(['start', '-a', 'later'])
    t.equal(out(again), 'from-start\n', 'an exited container starts again')
    await docker(['rm', 'later'])
  })

  t.test('run -t and exec -it under a pty', {skip: hasScript ? false : 'no script(1)'}, async (t) => {
    const run = await runCommand('script', ['-qec', `docker -H ${host} run -t --rm busybox sh -c 'tty; exit 5'`, '/dev/null'])
    t.match(out(run), /^\/dev\/pts\/\d+\r+\n$/, 'the container has a terminal')
    t.equal(run.code, 5)
    const exec = await runCommand('script', ['-qec', `docker -H ${host} exec -it web sh -c 'read x; echo "got:$x"'`, '/dev/null'], {input: 'typed\n'})
    t.match(out(exec), /got:typed\r\n/, 'typed input reached the command through the pty')
    t.equal(exec.code, 0)
  })

  t.test('after all that, the configured containers are untouched', async (t) => {
    t.same(lines(await docker(['ps', '--format', '{{.Names}}'])), ['bi-box', 'db', 'web'])
    t.notOk(existsSync(gate))
  })
})
