// The Docker CLI's commands of issue 16 against the mock, each beside the same command on a real,
// network-less dockerd where that makes sense: the same columns and the same exit codes.
// Without a docker binary (or a dockerd) the comparison is skipped visibly; with CI=true it fails.
import {spawn, spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import t from 'tap'
import {startMockDaemon, type MockDaemon} from '../../src/mock-daemon/index.js'
import {IMAGE, startRealDockerd, type RealDockerd} from '../helpers/real-dockerd.js'

const dir = mkdtempSync('/tmp/hjcx-')
const sock = join(dir, 'd.sock')
const workdir = join(dir, 'work')
mkdirSync(workdir)
writeFileSync(join(workdir, 'f.txt'), 'from the working directory\n')
const dockerConfig = join(dir, 'docker-config')
mkdirSync(dockerConfig)
const hasDocker = spawnSync('docker', ['--version']).status === 0
const CMD = ['sh', '-c', 'echo out; echo err >&2; exec sleep 1000']

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

function docker(host: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', ['-H', host, ...args], {
      env: {PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, DOCKER_CONFIG: dockerConfig},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString()
    })
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString()
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({code, stdout, stderr}))
  })
}

interface StatsRow {
  line: string
  cpu: string
  mem: string
  pids: string
}

/**
 * `docker stats NAMES` left running: each redraw of its table as a frame (name -> row). The CLI is ended
 * with SIGKILL by stop(): on SIGTERM/SIGINT it cancels its streams and draws "--" rows itself, on dockerd too.
 */
function liveStats(host: string, names: string[]) {
  const child = spawn('docker', ['-H', host, 'stats', '--format', 'table {{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.PIDs}}', ...names], {
    env: {PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, DOCKER_CONFIG: dockerConfig},
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const frames: Map<string, StatsRow>[] = []
  let pending = ''
  let stderr = ''
  let exited = false
  const waiters = new Set<() => void>()
  const wake = () => {
    for (const w of waiters) w()
  }
  child.stdout.on('data', (chunk: Buffer) => {
    // Cursor moves and line clears between redraws: strip them, keep whole lines.
    const lines = (pending + chunk.toString()).split('\n')
    pending = lines.pop() ?? ''
    for (const raw of lines) {
      const line = raw.replaceAll(/\x1b\[[0-9;]*[A-Za-z]/g, '').replaceAll('\r', '').trimEnd()
      if (line.startsWith('NAME')) frames.push(new Map())
      else if (line.trim() !== '' && frames.length > 0) {
        const [name, cpu, mem, pids] = line.trim().split(/\s{2,}/)
        frames.at(-1)!.set(name, {line, cpu, mem, pids})
      }
    }
    wake()
  })
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString()
  })
  child.on('close', () => {
    exited = true
    wake()
  })
  return {
    frames,
    stderr: () => stderr,
    /** Resolves true once a complete frame (one before the newest) satisfies `test`; false if the CLI exits or 60 s pass. */
    until(test: (frame: Map<string, StatsRow>, index: number) => boolean): Promise<boolean> {
      return new Promise((resolve) => {
        const check = () => {
          const done = frames.slice(0, -1).some((f, i) => test(f, i))
          if (done || exited) {
            waiters.delete(check)
            clearTimeout(timer)
            resolve(done)
          }
        }
        const timer = setTimeout(() => {
          waiters.delete(check)
          resolve(false)
        }, 60_000)
        waiters.add(check)
        check()
      })
    },
    /** SIGKILL, then the frames drawn completely (the newest may have been cut short). */
    async stop(): Promise<Map<string, StatsRow>[]> {
      if (!exited) {
        const closed = new Promise<void>((resolve) => child.once('close', () => resolve()))
        child.kill('SIGKILL')
        await closed
      }
      return frames.slice(0, -1)
    },
  }
}

/** The column titles of a table the CLI printed (separated by two spaces or more). */
const columns = (out: string) => out.split('\n')[0].trim().split(/\s{2,}/)

t.teardown(() => rmSync(dir, {recursive: true, force: true}))

t.test('docker CLI: issue-16 commands, mock beside real dockerd', {skip: !hasDocker && process.env.CI !== 'true' ? 'no docker CLI on PATH' : false}, async (t) => {
  const daemon: MockDaemon = await startMockDaemon({
    socket: sock,
    config: {containers: [{name: 'web', image: IMAGE, workdir, cmd: CMD}, {name: 'bi', runtime: 'builtin', image: IMAGE, cmd: ['sleep', '1000']}]},
  })
  t.teardown(() => daemon.close())
  const real: RealDockerd | undefined = await startRealDockerd(t)
  if (real) await real.run('web', {cmd: CMD})
  const mock = (args: string[]) => docker(`unix://${sock}`, args)
  /** Runs on both; the exit codes must agree. Returns both (real undefined without a dockerd). */
  const both = async (t: Tap.Test, args: string[]): Promise<[Run, Run | undefined]> => {
    const m = await mock(args)
    const r = real ? await real.docker(args).then((x) => ({code: x.code, stdout: x.stdout.toString(), stderr: x.stderr.toString()})) : undefined
    if (r) t.equal(m.code, r.code, `exit code of docker ${args.join(' ')} as dockerd's (mock stderr: ${m.stderr.trim()}; dockerd: ${r.stderr.trim()})`)
    return [m, r]
  }
  // Both containers have written their two lines.
  for (let i = 0; i < 300 && !(await mock(['logs', 'web'])).stderr.includes('err'); i++) await new Promise((r) => setTimeout(r, 20))
  for (let i = 0; real && i < 300 && !(await real.docker(['logs', 'web'])).stderr.toString().includes('err'); i++) await new Promise((r) => setTimeout(r, 20))

  t.test('logs, logs --tail, logs -t, logs of nothing', async (t) => {
    const [m, r] = await both(t, ['logs', 'web'])
    t.equal(m.stdout, 'out\n')
    t.equal(m.stderr, 'err\n')
    if (r) t.same([r.stdout, r.stderr], [m.stdout, m.stderr], 'the same output as dockerd')
    const [tail] = await both(t, ['logs', '--tail', '1', 'web'])
    t.equal(tail.stdout + tail.stderr, 'err\n')
    const [stamped] = await both(t, ['logs', '-t', 'web'])
    t.match(stamped.stdout, /^\d{4}-\d\d-\d\dT[\d:.]+Z out\n$/)
    const [missing] = await both(t, ['logs', 'nope'])
    t.match(missing.stderr, /No such container: nope/)
  })

  t.test('logs -f follows until the container stops', async (t) => {
    const c = await mock(['run', '-d', '--name', 'brief', IMAGE, 'sh', '-c', 'echo first; sleep 1; echo second'])
    t.equal(c.code, 0, c.stderr)
    const f = await mock(['logs', '-f', 'brief'])
    t.equal(f.code, 0)
    t.equal(f.stdout, 'first\nsecond\n')
  })

  t.test('top', async (t) => {
    const [m, r] = await both(t, ['top', 'web'])
    t.same(columns(m.stdout), ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'])
    if (r) t.same(columns(m.stdout), columns(r.stdout), 'dockerd\'s columns')
    t.match(m.stdout, /sleep 1000/)
    t.match((await mock(['top', 'bi'])).stdout, /sleep 1000/)
  })

  t.test('pause, exec into a paused container, pause again, unpause', async (t) => {
    await both(t, ['pause', 'web'])
    const [ins] = await both(t, ['inspect', '-f', '{{.State.Status}} {{.State.Paused}}', 'web'])
    t.equal(ins.stdout, 'paused true\n')
    const [exec, realExec] = await both(t, ['exec', 'web', 'true'])
    t.match(exec.stderr, /is paused, unpause the container before exec/)
    if (realExec) t.match(realExec.stderr, /is paused, unpause the container before exec/)
    const [again] = await both(t, ['pause', 'web'])
    t.match(again.stderr, /is already paused/)
    const [ps] = await both(t, ['ps', '--filter', 'name=web', '--format', '{{.Status}}'])
    t.match(ps.stdout, /\(Paused\)/)
    await both(t, ['unpause', 'web'])
    const [notPaused] = await both(t, ['unpause', 'web'])
    t.match(notPaused.stderr, /is not paused/)
    t.equal((await mock(['exec', 'web', 'echo', 'back'])).stdout, 'back\n')
  })

  t.test('rename', async (t) => {
    await both(t, ['rename', 'web', 'web2'])
    const [ins] = await both(t, ['inspect', '-f', '{{.Name}}', 'web2'])
    t.equal(ins.stdout, '/web2\n')
    await both(t, ['rename', 'web2', 'web'])
    const [same] = await both(t, ['rename', 'web', 'web'])
    t.match(same.stderr, /same name as its current name/)
  })

  t.test('stats --no-stream', async (t) => {
    const [m, r] = await both(t, ['stats', '--no-stream', 'web'])
    t.same(columns(m.stdout), ['CONTAINER ID', 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'NET I/O', 'BLOCK I/O', 'PIDS'])
    if (r) t.same(columns(m.stdout), columns(r.stdout), 'dockerd\'s columns')
    t.match(m.stdout.split('\n')[1], /web\s+\d+\.\d+%\s+[\d.]+[KM]iB \//, 'real memory use')
  })

  t.test('stats (streaming): live values, a stopped and a stopping container included, never "--"', async (t) => {
    const hosts: [string, string, (args: string[]) => Promise<Run>][] = [['mock', `unix://${sock}`, mock]]
    if (real) hosts.push(['dockerd', real.host, (args) => docker(real.host, args)])
    for (const [label, host, run] of hosts) {
      t.equal((await run(['create', '--network', 'none', '--name', 'parked', IMAGE, 'true'])).code, 0, `${label}: create parked`)
      t.equal((await run(['run', '-d', '--network', 'none', '--name', 'spinner', IMAGE, 'sleep', '1000'])).code, 0, `${label}: run spinner`)
      const live = liveStats(host, ['web', 'parked', 'spinner'])
      // The CLI redraws every half second from the last body of each stream; a stream that ends (or stalls
      // for 2 s) turns its row into "--". spinner runs, then is killed; it must go on with zeros.
      const running = await live.until((f) => /[1-9]/.test(f.get('spinner')?.pids ?? ''))
      t.ok(running, `${label}: spinner seen running`)
      t.equal((await run(['kill', 'spinner'])).code, 0)
      const stoppedAt = live.frames.length
      const settled = await live.until((f, i) => i >= stoppedAt + 8 && f.get('spinner')?.mem === '0B / 0B')
      const frames = await live.stop()
      t.ok(settled, `${label}: eight redraws after the kill, the last with spinner at zero (${frames.length} frames)`)
      const rows = frames.flatMap((f) => [...f.values()])
      t.same(rows.filter((r) => r.line.includes('--')).map((r) => r.line), [], `${label}: no "--" in any row`)
      t.ok(frames.every((f) => f.has('web') && f.has('parked') && f.has('spinner')), `${label}: every frame has the three rows`)
      t.ok(frames.every((f) => f.get('parked')?.mem === '0B / 0B' && f.get('parked')?.cpu === '0.00%'), `${label}: the never-started container shows zeros`)
      t.ok(frames.every((f) => /^[\d.]+[KMG]iB \/ [\d.]+[KMG]iB$/.test(f.get('web')?.mem ?? '')), `${label}: web's memory in every frame`)
      t.equal(live.stderr(), '', `${label}: nothing on stderr`)
      await run(['rm', '-f', 'parked', 'spinner'])
    }
  })

  t.test('diff, update', async (t) => {
    const [diff] = await both(t, ['diff', 'web'])
    t.equal(diff.stdout, '')
    await both(t, ['update', '--cpu-shares', '512', 'web'])
    const [ins] = await both(t, ['inspect', '-f', '{{.HostConfig.CpuShares}}', 'web'])
    t.equal(ins.stdout, '512\n')
    const [bad] = await both(t, ['update', '--restart', 'sometimes', 'web'])
    t.not(bad.code, 0)
  })

  t.test('cp out of the working directory; elsewhere dockerd\'s "Could not find the file"', async (t) => {
    const out = join(dir, 'copied.txt')
    const cp = await mock(['cp', 'web:f.txt', out])
    t.equal(cp.code, 0, cp.stderr)
    t.equal(readFileSync(out, 'utf8'), 'from the working directory\n')
    const [missing] = await both(t, ['cp', 'web:/no/such/file', join(dir, 'x')])
    t.match(missing.stderr, /Could not find the file \/no\/such\/file in container web/)
    t.match((await mock(['cp', 'bi:/etc/hostname', join(dir, 'y')])).stderr, /Could not find the file/)
  })

  t.test('images, pull (answered locally), image inspect, rmi', async (t) => {
    const [m, r] = await both(t, ['images'])
    t.same(columns(m.stdout), ['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'])
    if (r) t.same(columns(m.stdout), columns(r.stdout), 'dockerd\'s columns')
    t.match(m.stdout, /hijack-test\/busybox\s+latest/)
    // Never on the real daemon: it would go to a registry.
    const pull = await mock(['pull', 'alpine:3.19'])
    t.equal(pull.code, 0, pull.stderr)
    t.match(pull.stdout, /3\.19: Pulling from library\/alpine\nDigest: sha256:[0-9a-f]{64}\nStatus: Downloaded newer image for alpine:3\.19\ndocker\.io\/library\/alpine:3\.19\n/)
    t.match((await mock(['images'])).stdout, /alpine\s+3\.19/)
    t.equal((await mock(['image', 'inspect', '-f', '{{.Os}}', 'alpine:3.19'])).stdout, 'linux\n')
    const [none] = await both(t, ['image', 'inspect', 'nope:1'])
    t.match(none.stderr, /No such image: nope:1/)
    t.equal((await mock(['rmi', 'alpine:3.19'])).code, 0)
    t.equal((await mock(['run', '--rm', 'busybox:1.36', 'echo', 'ran'])).stdout, 'ran\n', 'run with any image: no pull')
  })

  t.test('network ls, inspect, rm of a predefined network', async (t) => {
    const [m, r] = await both(t, ['network', 'ls'])
    t.same(columns(m.stdout), ['NETWORK ID', 'NAME', 'DRIVER', 'SCOPE'])
    if (r) t.same(columns(m.stdout), columns(r.stdout), 'dockerd\'s columns')
    t.match(m.stdout, /none\s+null\s+local/)
    const [ins] = await both(t, ['network', 'inspect', '-f', '{{.Name}} {{.Driver}}', 'none'])
    t.equal(ins.stdout, 'none null\n')
    const [missing] = await both(t, ['network', 'inspect', 'mynet'])
    t.match(missing.stderr, /network mynet not found/)
    const [rm, realRm] = await both(t, ['network', 'rm', 'none'])
    t.match(rm.stderr, /none is a pre-defined network and cannot be removed/)
    if (realRm) t.match(realRm.stderr, /none is a pre-defined network and cannot be removed/)
  })

  t.test('volume ls, volume inspect, system df', async (t) => {
    const [vol, realVol] = await both(t, ['volume', 'ls'])
    t.same(columns(vol.stdout), ['DRIVER', 'VOLUME NAME'])
    if (realVol) t.same(columns(vol.stdout), columns(realVol.stdout))
    const [missing] = await both(t, ['volume', 'inspect', 'data'])
    t.match(missing.stderr, /no such volume/)
    const [df, realDf] = await both(t, ['system', 'df'])
    t.same(columns(df.stdout), ['TYPE', 'TOTAL', 'ACTIVE', 'SIZE', 'RECLAIMABLE'])
    if (realDf) t.same(df.stdout.split('\n').map((l) => l.split(/\s{2,}/)[0]), realDf.stdout.split('\n').map((l) => l.split(/\s{2,}/)[0]), 'the same rows')
    t.match(df.stdout, /Containers\s+\d+\s+\d+\s+0B/)
  })

  t.test('events --since --until, with a filter', async (t) => {
    const since = String(Math.floor(Date.now() / 1000) - 1)
    for (const run of real ? [mock, (a: string[]) => real.docker(a).then((x) => ({code: x.code, stdout: x.stdout.toString(), stderr: x.stderr.toString()}))] : [mock]) {
      t.equal((await run(['pause', 'web'])).code, 0)
      t.equal((await run(['unpause', 'web'])).code, 0)
      await new Promise((r) => setTimeout(r, 20))
      const until = String(Math.ceil(Date.now() / 1000) + 1)
      const ev = await run(['events', '--since', since, '--until', until, '--filter', 'container=web', '--filter', 'event=pause', '--filter', 'event=unpause', '--format', '{{.Type}} {{.Action}} {{.Actor.Attributes.name}}'])
      t.equal(ev.code, 0, ev.stderr)
      t.match(ev.stdout, /container pause web\ncontainer unpause web\n$/)
    }
  })
})
