// dockerode (and docker-modem) against the mock daemon, in-process: exec with stdin, attach, inspect,
// list with filters, and the create/start/stop/remove lifecycle. Both runtimes where they can run the command.
import {createHash, randomBytes} from 'node:crypto'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import type {Duplex, Readable} from 'node:stream'
import {Writable} from 'node:stream'
import {join} from 'node:path'
import Docker from 'dockerode'
import type {ContainerInfo} from 'dockerode'
import t from 'tap'
import {startMockDaemon, type MockDaemon} from '../../src/mock-daemon/index.js'

const dir = mkdtempSync('/tmp/hjd-')
const sock = join(dir, 'd.sock')
const gate = join(dir, 'go')
let daemon: MockDaemon
let docker: Docker

t.before(async () => {
  daemon = await startMockDaemon({
    socket: sock,
    config: {
      containers: [
        {name: 'proc', cmd: ['sleep', '1000'], labels: {k: 'v', tier: 'a'}},
        {name: 'bi', runtime: 'builtin', cmd: ['sleep', '1000'], labels: {k: 'v'}},
        {name: 'other', cmd: ['sleep', '1000'], labels: {k: 'w'}},
        {name: 'gone', cmd: ['true'], labels: {k: 'v'}},
        // Prints once the test has attached (the gate file appears), then exits 4.
        {name: 'talker', cmd: ['sh', '-c', `while [ ! -e ${gate} ]; do sleep 0.02; done; echo out; echo err >&2; exit 4`]},
      ],
    },
  })
  docker = new Docker({socketPath: sock})
})

t.teardown(async () => {
  await daemon?.close()
  rmSync(dir, {recursive: true, force: true})
})

function collector(): {stream: Writable; text: () => string; bytes: () => Buffer} {
  const chunks: Buffer[] = []
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk)
      cb()
    },
  })
  return {stream, text: () => Buffer.concat(chunks).toString('utf8'), bytes: () => Buffer.concat(chunks)}
}

function ended(stream: Readable | Duplex): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('end', resolve)
    stream.once('close', resolve)
    stream.once('error', reject)
  })
}

/** Runs an exec the way dockerode's README does: hijack, write stdin, end it, demux, then inspect. */
async function execWithStdin(container: string, cmd: string[], input: Buffer | string) {
  const exec = await docker.getContainer(container).exec({Cmd: cmd, AttachStdin: true, AttachStdout: true, AttachStderr: true})
  const stream = await exec.start({hijack: true, stdin: true})
  const out = collector()
  const err = collector()
  docker.modem.demuxStream(stream, out.stream, err.stream)
  const done = ended(stream)
  stream.end(input)
  await done
  const info = await exec.inspect()
  return {out, err, info}
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex')

t.test('exec with stdin, stdout and stderr kept apart, exit code (process runtime)', async (t) => {
  const {out, err, info} = await execWithStdin('proc', ['sh', '-c', 'cat; echo to-stderr >&2; exit 3'], 'from stdin\n')
  t.equal(out.text(), 'from stdin\n')
  t.equal(err.text(), 'to-stderr\n')
  t.equal(info.ExitCode, 3)
  t.equal(info.Running, false)
})

t.test('exec with stdin, stdout and stderr kept apart, exit code (builtin runtime)', async (t) => {
  const cat = await execWithStdin('bi', ['cat'], 'builtin stdin\n')
  t.equal(cat.out.text(), 'builtin stdin\n')
  t.equal(cat.err.text(), '')
  t.equal(cat.info.ExitCode, 0)
  // The builtin cat writes its complaint to stderr and exits 1.
  const missing = await execWithStdin('bi', ['cat', 'nosuchfile'], '')
  t.equal(missing.out.text(), '')
  t.equal(missing.err.text(), 'cat: nosuchfile: No such file or directory\n')
  t.equal(missing.info.ExitCode, 1)
})

for (const container of ['proc', 'bi']) {
  t.test(`binary stdin round trip through cat, 2 MiB (${container})`, async (t) => {
    const input = randomBytes(2 * 1024 * 1024)
    const {out, err, info} = await execWithStdin(container, ['cat'], input)
    t.equal(out.bytes().length, input.length)
    t.equal(sha256(out.bytes()), sha256(input))
    t.equal(err.text(), '')
    t.equal(info.ExitCode, 0)
  })
}

t.test('exec with Tty: raw output, not demuxed (process runtime)', async (t) => {
  const exec = await docker.getContainer('proc').exec({Cmd: ['sh', '-c', 'echo tty-out; echo tty-err >&2'], AttachStdout: true, AttachStderr: true, Tty: true})
  const stream = await exec.start({hijack: true, stdin: false, Tty: true})
  const chunks: Buffer[] = []
  stream.on('data', (c: Buffer) => chunks.push(c))
  await ended(stream)
  t.equal(Buffer.concat(chunks).toString(), 'tty-out\r\ntty-err\r\n', 'one stream, a pty\'s line endings')
  t.equal((await exec.inspect()).ExitCode, 0)
})

t.test('attach (no hijack: dockerode sends a body and accepts 200) to a running container that prints and exits', async (t) => {
  const container = docker.getContainer('talker')
  const attached = new Promise<void>((resolve) => daemon.events.once('attach', () => resolve()))
  const stream = await container.attach({stream: true, stdout: true, stderr: true})
  const out = collector()
  const err = collector()
  docker.modem.demuxStream(stream, out.stream, err.stream)
  const done = ended(stream)
  await attached
  const waited = container.wait()
  writeFileSync(gate, '')
  await done
  t.equal(out.text(), 'out\n')
  t.equal(err.text(), 'err\n')
  t.same(await waited, {StatusCode: 4, Error: null})
  const info = await container.inspect()
  t.equal(info.State.Status, 'exited')
  t.equal(info.State.ExitCode, 4)
})

for (const runtime of ['process', 'builtin'] as const) {
  t.test(`create, attach before start (as docker run does), start, output, wait (${runtime})`, async (t) => {
    const container = await docker.createContainer({
      Image: 'anything',
      Cmd: ['echo', 'hello', runtime],
      Labels: {'hijack.runtime': runtime},
      HostConfig: {NetworkMode: 'none'},
    })
    const stream = await container.attach({stream: true, stdout: true, stderr: true, hijack: true})
    const out = collector()
    const err = collector()
    docker.modem.demuxStream(stream, out.stream, err.stream)
    const done = ended(stream)
    const waited = container.wait({condition: 'next-exit'})
    await container.start()
    await done
    t.equal(out.text(), `hello ${runtime}\n`)
    t.equal(err.text(), '')
    t.same(await waited, {StatusCode: 0, Error: null})
    await container.remove()
  })

  t.test(`attach with stdin: dockerode's JSON options body is not stdin (${runtime})`, async (t) => {
    const container = await docker.createContainer({
      Image: 'anything',
      Cmd: ['cat'],
      OpenStdin: true,
      StdinOnce: true,
      Labels: {'hijack.runtime': runtime},
    })
    const stream = await container.attach({stream: true, stdin: true, stdout: true, stderr: true, hijack: true})
    const out = collector()
    docker.modem.demuxStream(stream, out.stream, collector().stream)
    const done = ended(stream)
    await container.start()
    stream.end('exactly this\n')
    await done
    t.equal(out.text(), 'exactly this\n')
    t.equal((await container.inspect()).State.ExitCode, 0, 'StdinOnce: the end of stdin ended cat')
    await container.remove()
  })
}

t.test('container.inspect', async (t) => {
  const info = await docker.getContainer('proc').inspect()
  t.match(info.Id, /^[0-9a-f]{64}$/)
  t.equal(info.Name, '/proc')
  t.equal(info.State.Running, true)
  t.equal(info.State.Status, 'running')
  t.ok(info.State.Pid > 0, 'a real pid with the process runtime')
  t.same(info.Config.Cmd, ['sleep', '1000'])
  t.same(info.Config.Labels, {k: 'v', tier: 'a'})
  t.equal(info.HostConfig.NetworkMode, 'none')
  const bi = await docker.getContainer('bi').inspect()
  t.equal(bi.State.Running, true)
  await t.rejects(docker.getContainer('nosuch').inspect(), {statusCode: 404, message: /No such container: nosuch/})
})

t.test('listContainers: all, label filters (key and key=value, array and map forms), name, id, status', async (t) => {
  await docker.getContainer('gone').wait() // the short-lived container has exited
  const names = (list: ContainerInfo[]) => list.map((c) => c.Names[0]).sort()

  const running = await docker.listContainers()
  t.notOk(names(running).includes('/gone'), 'default: running only')
  t.ok(names(running).includes('/proc'))

  const labelled = await docker.listContainers({all: true, filters: {label: ['k=v']}})
  t.same(names(labelled), ['/bi', '/gone', '/proc'])
  const labelledRunning = await docker.listContainers({filters: {label: ['k=v']}})
  t.same(names(labelledRunning), ['/bi', '/proc'])
  t.same(names(await docker.listContainers({all: true, filters: {label: ['k']}})), ['/bi', '/gone', '/other', '/proc'], 'key alone: has the label')
  t.same(names(await docker.listContainers({all: true, filters: {label: ['k=v', 'tier=a']}})), ['/proc'], 'every label must match')
  t.same(names(await docker.listContainers({all: true, filters: JSON.stringify({label: {'k=w': true}})})), ['/other'], 'Docker CLI map form')
  t.same(names(await docker.listContainers({all: true, filters: {name: ['^/gon']}})), ['/gone'], 'name is a regular expression')
  t.same(names(await docker.listContainers({all: true, filters: {name: ['^gone$']}})), ['/gone'], 'with or without the slash')
  t.same(names(await docker.listContainers({filters: {status: ['exited'], label: ['k=v']}})), ['/gone'], 'status implies all')
  const proc = await docker.getContainer('proc').inspect()
  t.same(names(await docker.listContainers({filters: {id: [proc.Id.slice(0, 12)]}})), ['/proc'])

  const [entry] = await docker.listContainers({filters: {name: ['^/proc$']}})
  t.match(entry, {
    Id: proc.Id,
    Names: ['/proc'],
    Image: 'hijack-mock',
    Command: 'sleep 1000',
    State: 'running',
    Status: /^Up /,
    Labels: {k: 'v', tier: 'a'},
    Ports: [],
    Mounts: [],
    NetworkSettings: {Networks: {}},
    HostConfig: {NetworkMode: 'none'},
  })
  t.match(entry.ImageID, /^sha256:[0-9a-f]{64}$/)
  t.type(entry.Created, 'number')
  await t.rejects(docker.listContainers({filters: {status: ['sleepy']}}), {statusCode: 400, message: /invalid filter 'status=sleepy'/})
  await t.rejects(docker.listContainers({filters: {colour: ['red']}}), {statusCode: 400, message: /invalid filter 'colour'/})
})

for (const runtime of ['process', 'builtin'] as const) {
  t.test(`createContainer, start, stop, remove (${runtime})`, async (t) => {
    const name = `life-${runtime}`
    const container = await docker.createContainer({
      name,
      Image: 'busybox',
      Cmd: ['sleep', '1000'],
      Env: ['A=1'],
      Labels: {'hijack.runtime': runtime, suite: 'lifecycle'},
    })
    let info = await container.inspect()
    t.equal(info.Name, `/${name}`)
    t.equal(info.State.Status, 'created')
    t.equal(info.Config.Image, 'busybox')
    t.ok(info.Config.Env.includes('A=1'))
    const listed = await docker.listContainers({all: true, filters: {label: ['suite=lifecycle']}})
    t.same(listed.map((c) => [c.Names[0], c.State, c.Status]), [[`/${name}`, 'created', 'Created']])

    await t.rejects(docker.createContainer({name, Image: 'busybox', Cmd: ['true']}), {
      statusCode: 409,
      message: new RegExp(`Conflict. The container name "/${name}" is already in use by container "${info.Id}"`),
    })

    await container.start()
    info = await container.inspect()
    t.equal(info.State.Status, 'running')
    await t.rejects(container.start(), {statusCode: 304}, 'already started')
    await t.rejects(container.remove(), {
      statusCode: 409,
      message: new RegExp(`You cannot remove a running container ${info.Id}. Stop the container before attempting removal or force remove`),
    })

    await container.stop({t: 5})
    info = await container.inspect()
    t.equal(info.State.Status, 'exited')
    t.equal(info.State.ExitCode, 143, 'SIGTERM')
    await t.rejects(container.stop(), {statusCode: 304}, 'already stopped')

    await container.remove()
    await t.rejects(container.inspect(), {statusCode: 404})
    t.equal(daemon.container(name), undefined)
  })
}

t.test('create errors: no command, bad name, bad runtime label; force remove of a running container', async (t) => {
  await t.rejects(docker.createContainer({Image: 'busybox'}), {statusCode: 400, message: /no command specified/})
  await t.rejects(docker.createContainer({name: 'bad name', Image: 'busybox', Cmd: ['true']}), {statusCode: 400, message: /Invalid container name/})
  await t.rejects(docker.createContainer({Image: 'busybox', Cmd: ['true'], Labels: {'hijack.runtime': 'vm'}}), {statusCode: 400, message: /hijack.runtime/})
  const container = await docker.createContainer({Image: 'busybox', Cmd: ['sleep', '1000']})
  const info = await container.inspect()
  t.match(info.Name, /^\/[a-z]+_[a-z]+\d*$/, 'a generated name')
  await container.start()
  const pid = (await container.inspect()).State.Pid
  await container.remove({force: true})
  await t.rejects(container.inspect(), {statusCode: 404})
  t.throws(() => process.kill(pid, 0), 'the process is gone')
})

t.test('a start that cannot run the command: 400 like dockerd, exit 127, waiters and attach clients are told', async (t) => {
  const container = await docker.createContainer({Image: 'busybox', Cmd: ['nosuchcmd-xyz']})
  const stream = await container.attach({stream: true, stdout: true, stderr: true, hijack: true})
  const done = ended(stream)
  const waited = container.wait({condition: 'next-exit'})
  await t.rejects(container.start(), {statusCode: 400, message: /exec: "nosuchcmd-xyz": executable file not found in \$PATH/})
  await done
  t.same(await waited, {StatusCode: 127, Error: null})
  const info = await container.inspect()
  t.equal(info.State.Status, 'exited')
  t.equal(info.State.ExitCode, 127)
  t.match(info.State.Error, /executable file not found/)
  await container.remove()

  const autoRemoved = await docker.createContainer({Image: 'busybox', Cmd: ['nosuchcmd-xyz'], HostConfig: {AutoRemove: true}})
  const removed = autoRemoved.wait({condition: 'removed'})
  await t.rejects(autoRemoved.start(), {statusCode: 400})
  t.same(await removed, {StatusCode: 127, Error: null}, 'AutoRemove also after a failed start')
  await t.rejects(autoRemoved.inspect(), {statusCode: 404})
})

t.test('restart, StopSignal, wait condition=removed', async (t) => {
  const container = await docker.createContainer({Image: 'busybox', Cmd: ['sleep', '1000'], StopSignal: 'SIGKILL'})
  await container.start()
  const firstPid = (await container.inspect()).State.Pid
  await container.restart()
  const info = await container.inspect()
  t.equal(info.State.Status, 'running')
  t.not(info.State.Pid, firstPid, 'a new process')
  t.equal(info.Config.StopSignal, 'SIGKILL')
  await container.stop()
  t.equal((await container.inspect()).State.ExitCode, 137, 'stopped with its StopSignal')
  const removed = container.wait({condition: 'removed'})
  await container.remove()
  t.same(await removed, {StatusCode: 137, Error: null})
})
