// The mock's engine alone, without sockets: containers and execs as state machines, wait/kill/stop,
// AutoRemove, the start check a runtime offers (Runtime.check), and the event log the transitions feed.
import t, {type Test} from 'tap'
import type {ContainerSpec} from '../../../src/mock-daemon/config.js'
import {Engine} from '../../../src/mock-daemon/engine/engine.js'
import type {Subscriber} from '../../../src/mock-daemon/engine/output-fanout.js'
import {BuiltinRuntime} from '../../../src/mock-daemon/engine/runtime-builtin.js'
import type {Runtime, SpawnSpec} from '../../../src/mock-daemon/engine/runtime.js'

function spec(name: string, cmd: string[], extra: Partial<ContainerSpec> = {}): ContainerSpec {
  return {name, image: 'mock', tty: false, openStdin: false, stdinOnce: false, cmd, env: [], workdir: '', labels: {}, runtime: 'builtin', faults: {}, ...extra}
}

function engine(t: Test, runtimes: {process: Runtime; builtin?: Runtime} = {process: new BuiltinRuntime(), builtin: new BuiltinRuntime()}): Engine {
  const e = new Engine({containers: [], faults: {}, runtimes, logSize: 64 * 1024, execRetentionMs: 60_000})
  t.teardown(() => e.shutdown())
  return e
}

/** A client that keeps what it is sent. */
function collector(): Subscriber & {text: () => string; finished: boolean} {
  const chunks: Buffer[] = []
  const sub = {
    finished: false,
    wants: () => true,
    write: (_type: number, data: Buffer) => {
      chunks.push(data)
      return true
    },
    onDrain: () => {},
    finish: () => {
      sub.finished = true
    },
    buffered: () => 0,
    text: () => Buffer.concat(chunks).toString(),
  }
  return sub
}

t.test('a container goes created -> running -> exited -> running -> removed, and says so', async (t) => {
  const e = engine(t)
  const runtime = e.runtime('builtin')!
  const c = e.addContainer(spec('box', ['sleep', '1000']), runtime)
  t.equal(c.state, 'created')
  const started: number[] = []
  c.started.on(() => started.push(1))
  c.start()
  t.equal(c.state, 'running')
  t.equal(started.length, 1)
  const exited = c.wait('next-exit')
  c.kill('SIGKILL')
  t.equal(await exited, 137, 'a signal death is 128 + its number')
  t.equal(c.state, 'exited')
  t.equal(await c.wait('not-running'), 137, 'not-running resolves at once when stopped')
  c.start()
  t.equal(c.state, 'running')
  t.equal(started.length, 2)
  const removed = c.wait('removed')
  await c.stop(-1, 'SIGKILL')
  e.removeContainer(c)
  t.equal(c.state, 'removed')
  t.equal(c.status, 'exited', 'Docker status shows how it was left')
  t.equal(await removed, 137)
  t.equal(e.containers.find('box'), undefined)
  t.equal(await c.wait('next-exit'), 137, 'a removed container ends every wait at once')
})

t.test('stop: the stop signal, then KILL after the timeout', async (t) => {
  const e = engine(t)
  const c = e.addContainer(spec('s', ['sleep', '1000']), e.runtime('builtin')!)
  c.start()
  await c.stop(0, 'SIGWINCH') // ignored by sleep: only the KILL after 0 s ends it
  t.equal(c.state, 'exited')
  t.equal(c.exitCode, 137)
})

t.test('attach clients get the output, then the end when the main process exits', async (t) => {
  const e = engine(t)
  const c = e.addContainer(spec('echo', ['echo', 'hello']), e.runtime('builtin')!)
  const live = collector()
  c.attach(live, false, true)
  c.start()
  t.equal(await c.wait('next-exit'), 0)
  t.equal(live.text(), 'hello\n')
  t.ok(live.finished)
  const late = collector()
  c.attach(late, true, false)
  t.equal(late.text(), 'hello\n', 'logs=1 replays the output')
  t.ok(late.finished, 'without stream the attach ends after the replay')
})

t.test('AutoRemove: gone from the engine once the main process exits', async (t) => {
  const e = engine(t)
  const c = e.addContainer(spec('rm', ['true'], {hostConfig: {AutoRemove: true}}), e.runtime('builtin')!)
  const removed = c.wait('removed')
  c.start()
  t.equal(await removed, 0)
  t.equal(c.state, 'removed')
  t.equal(e.containers.all().length, 0)
})

t.test('an exec is created -> running -> exited, runs once, and dies with its container', async (t) => {
  const e = engine(t)
  const c = e.addContainer(spec('host', ['sleep', '1000']), e.runtime('builtin')!)
  c.start()
  const config = {cmd: ['sleep', '1000'], tty: false, attachStdin: false, attachStdout: false, attachStderr: false, env: [], workdir: '', user: '', privileged: false, detachKeys: ''}
  const exec = e.createExec(c, config)
  t.equal(exec.state, 'created')
  t.same([...c.execIds], [exec.id])
  t.equal(e.execs.get(exec.id), exec)
  exec.startDetached()
  t.equal(exec.state, 'running')
  t.throws(() => exec.start(), /already run/, 'an exec runs at most once')
  t.equal(exec.inspect().Running, true)
  await c.stop(-1, 'SIGKILL')
  await exec.finished
  t.equal(exec.state, 'exited')
  t.equal(exec.exitCode, 137, 'killed with its container')
  t.same([...c.execIds], [], 'the container lists only execs that have not ended')
  t.ok(exec.expired(Date.now() + 60_000, 60_000))
  e.pruneExecs(Date.now() + 60_000, 60_000)
  t.equal(e.execs.size, 0, 'the sweep forgets it after the retention')
})

t.test('a runtime with check() fails the start before any process runs; one without it does not', async (t) => {
  const builtin = new BuiltinRuntime()
  const spawned: SpawnSpec[] = []
  const checking: Runtime = {
    spawn: (s) => {
      spawned.push(s)
      return builtin.spawn(s)
    },
    check: (s) => (s.cmd[0] === 'nope' ? {code: 127, detail: 'exec: "nope": executable file not found in $PATH'} : undefined),
  }
  const e = engine(t, {process: checking, builtin})
  const bad = e.addContainer(spec('bad', ['nope'], {runtime: 'process'}), checking)
  const waited = bad.wait('next-exit')
  const problem = bad.startProblem()
  t.match(problem, /OCI runtime create failed: .*executable file not found.*: unknown$/)
  t.equal(await waited, 127, 'waiters learn the failed start as an exit')
  t.equal(bad.state, 'exited')
  t.equal(bad.error, problem)
  t.equal(spawned.length, 0, 'nothing was spawned')
  const good = e.addContainer(spec('good', ['sleep', '1000'], {runtime: 'process'}), checking)
  t.equal(good.startProblem(), undefined)
  good.start()
  t.equal(spawned.length, 1)
  const plain = e.addContainer(spec('plain', ['nope']), builtin)
  t.equal(plain.startProblem(), undefined, 'without check() the process reports it')
  plain.start()
  t.equal(await plain.wait('next-exit'), 127)
})

t.test('the event log hears each transition once, from the engine: create, start, exec, kill, die, rename, pause, stop, destroy', async (t) => {
  const e = engine(t)
  const runtime = e.runtime('builtin')!
  const actions: string[] = []
  e.events.subscribe((event) => actions.push(`${event.Type} ${event.Action}`))
  const c = e.addContainer(spec('box', ['sleep', '1000'], {image: 'busybox'}), runtime)
  t.ok(e.images.find('busybox:latest'), 'the image a container names is known')
  c.start()
  const exec = e.createExec(c, {cmd: ['true'], tty: false, attachStdin: false, attachStdout: false, attachStderr: false, env: [], workdir: '', user: '', privileged: false, detachKeys: ''})
  exec.startDetached()
  await exec.finished
  c.rename('crate')
  c.pause([])
  t.equal(c.paused, true)
  c.unpause([])
  await c.stop(1)
  e.removeContainer(c)
  t.same(actions, [
    'container create', 'container start', 'container exec_create: true', 'container exec_start: true', 'container exec_die',
    'container rename', 'container pause', 'container unpause', 'container kill', 'container die', 'container stop', 'container destroy',
  ])
  const rename = e.events.recent().find((event) => event.Action === 'rename')!
  t.match(rename.Actor.Attributes, {name: 'crate', oldName: '/box', image: 'busybox'})
  const pulled = e.pullImage('alpine')
  t.match(pulled, {existed: false})
  e.removeImage(pulled!.image)
  t.same(actions.slice(-3), ['image pull', 'image untag', 'image delete'])
})
