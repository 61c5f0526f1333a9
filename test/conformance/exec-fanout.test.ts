// `hijack exec` on many containers at once, and --timeout, against the mock daemon (50 containers)
// and a real dockerd (5): prefixes, whole lines under concurrent output, the exit-code rule, --json,
// --fail-fast, stdin copied to every session, per-container errors, and commands really stopped.
import {createHash, randomBytes} from 'node:crypto'
import {readdirSync, readFileSync} from 'node:fs'
import t, {type Test} from 'tap'
import {hijack, type CliResult} from '../helpers/cli.js'
import {TARGETS, type ContainerSpec, type Target} from '../helpers/targets.js'

// 50 containers and several stops take minutes on a loaded two-core machine.
t.setTimeout(30 * 60_000)

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex')
const COUNTS: Record<Target['name'], number> = {mock: 50, dockerd: 5, podman: 5}
const names = (n: number): string[] => Array.from({length: n}, (_, i) => `fan${String(i).padStart(2, '0')}`)
const specs = (n: number): ContainerSpec[] => names(n).map((name, i) => ({name, cmd: ['sleep', '1000000'], env: [`NAME=${name}`, `IDX=${i}`]}))

/** Stdout lines grouped by prefix, checking that every line has one. */
function byPrefix(t: Test, out: string): Map<string, string[]> {
  const groups = new Map<string, string[]>()
  for (const line of out.split('\n').slice(0, -1)) {
    const m = /^([^ ]+) \| (.*)$/.exec(line)
    if (!m) {
      t.fail(`a line without prefix: ${JSON.stringify(line.slice(0, 80))}`)
      continue
    }
    groups.set(m[1], [...(groups.get(m[1]) ?? []), m[2]])
  }
  return groups
}

/** Processes of a command that are still alive (zombies are dead) in a target's container. */
async function survivors(target: Target, container: string, marker: string): Promise<string[]> {
  if (target.dockerd) {
    const r = await target.dockerd.docker(['exec', container, 'ps', '-o', 'stat,args'])
    return r.stdout.toString().split('\n').filter((l) => l.includes(marker) && !/^\s*Z/.test(l) && !l.includes('ps -o'))
  }
  // The mock's containers are local processes: look at ours.
  const found: string[] = []
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ')
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const state = stat.slice(stat.lastIndexOf(')') + 2)[0]
      if (args.includes(marker) && state !== 'Z') found.push(`${pid} ${state} ${args}`)
    } catch {
      // gone
    }
  }
  return found
}

/** A marker no other run uses, so `ps` finds only this test's command. */
const marker = (): string => `${54000 + Math.floor(Math.random() * 40000)}`

for (const [targetName, start] of TARGETS) {
  t.test(`exec fan-out on ${targetName}`, async (t) => {
    const count = COUNTS[targetName]
    const all = names(count)
    const target = await start(t, specs(count))
    if (!target) return
    const {host} = target
    const run = (args: string[], options?: {input?: Buffer | string}): Promise<CliResult> => hijack(['exec', '-H', host, ...args], {...options, timeoutMs: 120_000})

    t.test('every line prefixed with its container; whole lines under concurrent output; last line flushed', async (t) => {
      // 300 lines of 2 KiB from every container at once, on stdout and stderr, the last without newline.
      const script = 'pad=$(printf "%2000s" x); i=0; while [ $i -lt 300 ]; do echo "$NAME $i $pad"; echo "$NAME err $i" >&2; i=$((i+1)); done; printf "$NAME tail"'
      const r = await run(['--filter', 'name=fan', 'sh', '-c', script])
      t.equal(r.code, 0, 'exit 0')
      const out = byPrefix(t, r.stdout.toString())
      t.same([...out.keys()].sort(), all, 'a prefix for every container')
      for (const [name, lines] of out) {
        const expected = [...Array.from({length: 300}, (_, i) => `${name} ${i} ${' '.repeat(1999)}x`), `${name} tail`]
        if (JSON.stringify(lines) !== JSON.stringify(expected)) t.fail(`${name}: lines mixed, cut or out of order`)
      }
      const err = byPrefix(t, r.stderr.toString())
      t.same([...err.keys()].sort(), all, 'stderr lines prefixed, on stderr')
      for (const [name, lines] of err) if (lines.length !== 300 || !lines.every((l, i) => l === `${name} err ${i}`)) t.fail(`${name}: stderr lines`)
    })

    t.test('exit code: the first failure in selection order', async (t) => {
      const script = '[ "$NAME" = fan02 ] && exit 7; [ "$NAME" = fan01 ] && exit 5; exit 0'
      const a = await run([`fan00,fan02,fan01`, 'sh', '-c', script])
      t.equal(a.code, 7, 'fan02 comes first in the list')
      const b = await run([`fan01,fan02,fan00`, 'sh', '-c', script])
      t.equal(b.code, 5, 'fan01 comes first in the list')
      const c = await run(['--filter', 'name=fan', 'sh', '-c', script])
      t.equal(c.code, 5, '--filter: selection in name order, fan01 first')
      const ok = await run(['--filter', 'name=fan', 'true'])
      t.equal(ok.code, 0, 'all succeeded')
    })

    t.test('--json: one object per container, documented keys and values', async (t) => {
      const r = await run(['--json', '--filter', 'name=fan', 'sh', '-c', 'printf "%s" "$NAME"; printf ee >&2; exit $((IDX % 3))'])
      const records = r.stdout.toString().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
      t.equal(records.length, count)
      for (const rec of records) {
        t.same(Object.keys(rec), ['container', 'host', 'exitCode', 'durationMs', 'bytesOut', 'bytesErr', 'error', 'timedOut'])
        const idx = all.indexOf(rec.container as string)
        t.ok(idx >= 0, `container ${rec.container}`)
        t.equal(rec.host, host)
        t.equal(rec.exitCode, idx % 3)
        t.equal(rec.bytesOut, (rec.container as string).length)
        t.equal(rec.bytesErr, 2)
        t.equal(rec.error, null)
        t.equal(rec.timedOut, false)
        t.ok(typeof rec.durationMs === 'number' && rec.durationMs >= 0)
      }
      t.equal(r.code, 1, 'fan01 (exit 1) is the first failure')
      t.match(r.stderr.toString(), /^fan00 \| ee$/m, 'the output went to stderr, prefixed')
    })

    t.test('mixed success and failure: errors carry their prefix and do not stop the others', async (t) => {
      const r = await run(['fan00,nosuchbox,fan01', 'sh', '-c', 'echo "hello $NAME"'])
      t.equal(r.code, 1)
      // Each engine's own words for a missing container (README, Compatibility), behind the container's prefix.
      const missing = targetName === 'podman'
        ? /^nosuchbox: Error response from daemon: no container with name or ID "nosuchbox" found: no such container$/m
        : /^nosuchbox: Error response from daemon: No such container: nosuchbox$/m
      t.match(r.stderr.toString(), missing)
      t.match(r.stdout.toString(), /^fan00 \| hello fan00$/m)
      t.match(r.stdout.toString(), /^fan01 \| hello fan01$/m)
    })

    t.test('--fail-fast stops the rest at the first failure', async (t) => {
      const m = marker()
      const r = await run(['--fail-fast', '--json', '--filter', 'name=fan', 'sh', '-c', `[ "$NAME" = fan01 ] && exit 9; sleep ${m}`])
      t.equal(r.code, 9)
      const records = r.stdout.toString().trim().split('\n').map((l) => JSON.parse(l) as {container: string; error: string | null})
      t.equal(records.length, count)
      for (const rec of records) if (rec.container !== 'fan01') t.match(rec.error, /--fail-fast/, rec.container)
      for (const name of all) t.same(await survivors(target, name, `sleep ${m}`), [], `nothing left in ${name}`)
    })

    t.test('--parallel 1 --fail-fast: the rest never start', async (t) => {
      const r = await run(['--parallel', '1', '--fail-fast', 'fan00,fan01,fan02', 'sh', '-c', 'echo "ran $NAME"; exit 4'])
      t.equal(r.code, 4)
      t.equal(r.stdout.toString(), 'fan00 | ran fan00\n')
    })

    t.test('-i: stdin read once, every session gets all of it', async (t) => {
      const data = randomBytes(2 * 1024 * 1024)
      const r = await run(['-i', '--filter', 'name=fan', 'sh', '-c', 'sha256sum | cut -d" " -f1'], {input: data})
      t.equal(r.code, 0, r.stderr.toString().slice(0, 300))
      const out = byPrefix(t, r.stdout.toString())
      t.equal(out.size, count)
      for (const [name, lines] of out) t.same(lines, [sha(data)], `${name} saw every byte`)
    })

    t.test('-t is refused with several containers; --no-prefix passes bytes unchanged', async (t) => {
      const tty = await run(['-t', 'fan00,fan01', 'true'])
      t.equal(tty.code, 125)
      t.match(tty.stderr.toString(), /-t cannot be used with several containers/)
      const raw = await run(['--no-prefix', 'fan00', 'printf', '\\000\\377x'])
      t.same(raw.stdout, Buffer.from([0, 255, 0x78]))
    })

    t.test('--timeout on one container: 124, partial output kept, the command stopped', async (t) => {
      const baseline = Date.now()
      await run(['fan00', 'true'])
      const slack = Date.now() - baseline // start-up and one exec on this machine now
      const m = marker()
      const t0 = Date.now()
      const r = await run(['--timeout', '1s', 'fan00', 'sh', '-c', `echo partial; sleep ${m}; echo never`])
      const elapsed = Date.now() - t0
      t.equal(r.code, 124)
      t.equal(r.stdout.toString(), 'partial\n')
      t.match(r.stderr.toString(), /^fan00: timed out after 1s: the command was stopped$/m)
      t.ok(elapsed <= 1000 + 1000 + 2 * slack, `exited ${elapsed} ms after start (timeout 1 s + 1 s + ${2 * slack} ms for start-up and the stop exec)`)
      t.same(await survivors(target, 'fan00', `sleep ${m}`), [], 'no process of the command is left')
    })

    t.test('--timeout with a command that ignores SIGTERM: SIGKILL after --kill-after', async (t) => {
      const m = marker()
      const r = await run(['--timeout', '500ms', '--kill-after', '500ms', 'fan01', 'sh', '-c', `trap "" TERM; echo partial; sleep ${m}`])
      t.equal(r.code, 124)
      t.equal(r.stdout.toString(), 'partial\n')
      t.same(await survivors(target, 'fan01', `sleep ${m}`), [], 'killed')
    })

    t.test('--timeout in fan-out: 124 wins over other failures, every command stopped', async (t) => {
      const m = marker()
      const r = await run(['--timeout', '2s', '--filter', 'name=fan', 'sh', '-c', `echo "partial $NAME"; [ "$NAME" = fan00 ] && exit 3; sleep ${m}`])
      t.equal(r.code, 124, '124 although fan00 failed with 3 first')
      const out = byPrefix(t, r.stdout.toString())
      t.equal(out.size, count, 'partial output from every container')
      // fan00 exits at once, unless a loaded machine keeps it from doing so within the 2 s.
      const stopped = (r.stderr.toString().match(/timed out after 2s: the command was stopped/g) ?? []).length
      t.ok(stopped >= count - 1, `${stopped} commands stopped`)
      t.notMatch(r.stderr.toString(), /may still be running/)
      for (const name of all) t.same(await survivors(target, name, `sleep ${m}`), [], `nothing left in ${name}`)
    })
  })
}

t.test('two daemons at once: mock and dockerd', async (t) => {
  const both = TARGETS.filter(([name]) => name === 'mock' || name === 'dockerd')
  if (both.length < 2) {
    t.comment('SKIP: needs both targets')
    return
  }
  const [mock, dockerd] = await Promise.all(both.map(([, start]) => start(t, specs(3))))
  if (!mock || !dockerd) return
  const r = await hijack(['exec', '-H', mock.host, '-H', dockerd.host, '--json', '--filter', 'name=fan', 'sh', '-c', 'echo "hi $NAME"'])
  t.equal(r.code, 0, r.stderr.toString())
  const records = r.stdout.toString().trim().split('\n').map((l) => JSON.parse(l) as {host: string; container: string; exitCode: number})
  t.equal(records.length, 6)
  t.same(new Set(records.map((x) => x.host)), new Set([mock.host, dockerd.host]))
  for (const host of [mock.host, dockerd.host]) {
    for (const name of names(3)) t.match(r.stderr.toString(), new RegExp(`^${host.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/${name} \\| hi ${name}$`, 'm'))
  }
})
