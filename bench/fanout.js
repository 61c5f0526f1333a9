// Fan-out rows of `npm run bench` (issue 14): many execs at once against shell loops of `docker exec`,
// and hijack's peak memory for 1,000 sessions on the mock daemon. Alternating runs; outputs checked.
import {execFileSync, spawn} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import {join} from 'node:path'

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const shellQuote = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`

// USER_HZ: the unit of /proc/stat.
const clockTicks = () => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], {encoding: 'utf8'})) || 100
  } catch {
    return 100
  }
}

/** Busy ticks of the whole machine from /proc/stat's `cpu ` line: user+nice+system+irq+softirq+steal (not idle, iowait; guest is inside user). */
const busyTicks = (line) => {
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number)
  return user + nice + system + irq + softirq + (steal || 0)
}

/**
 * Wall and client CPU (s) of a bash script, the machine's busy CPU (s) over the same window, and its stdout.
 * bash's `time` on the group counts the shell and every child it reaped (docker CLIs, xargs and its
 * children, node). /proc/stat is read with the `read` builtin right around it, so no extra process
 * falls inside the window.
 */
function timed(env, script, hz) {
  const bash = `TIMEFORMAT='%3R %3U %3S'; read -r a < /proc/stat; { time { ${script} ; } > "$OUT" ; } 2>&1; read -r b < /proc/stat; echo "$a"; echo "$b"`
  const out = execFileSync('bash', ['-c', bash], {
    env: {...env, LC_ALL: 'C', OUT: env.OUT}, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'],
  })
  const [times, before, after] = out.trim().split('\n').slice(-3)
  const [wall, user, sys] = times.split(' ').map(Number)
  return {wall, client: user + sys, busy: (busyTicks(after) - busyTicks(before)) / hz, output: readFileSync(env.OUT, 'utf8')}
}

/** Busy CPU per second of the machine at rest (containers up, nothing running): noise inside "daemon CPU". */
function idleBusy(env, hz) {
  const out = execFileSync('bash', ['-c', 'read -r a < /proc/stat; sleep 1; read -r b < /proc/stat; echo "$a"; echo "$b"'], {env, encoding: 'utf8'})
  const [before, after] = out.trim().split('\n')
  return (busyTicks(after) - busyTicks(before)) / hz
}

/**
 * 100 execs of `sh -c 'echo $HOSTNAME'` across 10 containers: hijack (10 runs of `exec --filter`, each
 * 10 sessions at once; and one run naming the ten containers ten times each, 10 at a time) against a bash
 * loop of 100 `docker exec` and against `xargs -P 10 docker exec`.
 * Each run also splits the machine's CPU into the client's (user+sys of the timed script) and the rest
 * (dockerd, containerd, shims, runc): the rest bounds how fast any client can be on this many cores.
 */
export function benchFanoutExec({env, host, hijack, docker, rounds}) {
  const names = Array.from({length: 10}, (_, i) => `fanb${i}`)
  for (const name of names) docker('run', '-d', '--network', 'none', '--name', name, '--label', 'bench=fan', 'hijack-test/busybox', 'sleep', '1000000')
  const hostnames = new Set(names.map((n) => docker('inspect', '--format', '{{.Config.Hostname}}', n)))
  const dir = mkdtempSync('/tmp/hj-bf-')
  const list = join(dir, 'list')
  writeFileSync(list, `${Array.from({length: 100}, (_, i) => names[i % 10]).join('\n')}\n`)
  const e = {...env, OUT: join(dir, 'out')}
  const cmd = `sh -c 'echo $HOSTNAME'`
  const runs = {
    hijack: `for i in 1 2 3 4 5 6 7 8 9 10; do ${hijack} exec -H ${host} --no-prefix --filter label=bench=fan ${cmd} || exit 1; done`,
    // The same 100 execs in one run: the ten names ten times over, ten sessions at a time (as xargs -P 10).
    hijackList: `${hijack} exec -H ${host} --no-prefix --parallel 10 ${Array.from({length: 100}, (_, i) => names[i % 10]).join(',')} ${cmd}`,
    loop: `while read -r c; do docker -H ${host} exec "$c" ${cmd} || exit 1; done < ${list}`,
    xargs: `xargs -P 10 -I{} docker -H ${host} exec {} ${cmd} < ${list}`,
  }
  const hz = clockTicks()
  const idle = idleBusy(env, hz)
  const results = {hijack: [], hijackList: [], loop: [], xargs: []}
  for (let r = 0; r < rounds; r++) {
    for (const [name, script] of Object.entries(runs)) {
      const {output, ...run} = timed(e, script, hz)
      const lines = output.trim().split('\n')
      if (lines.length !== 100 || !lines.every((l) => hostnames.has(l))) throw new Error(`bench: wrong output from ${name}: ${lines.length} lines`)
      results[name].push(run)
    }
  }
  for (const name of names) docker('rm', '-f', name)
  rmSync(dir, {recursive: true, force: true})
  const walls = Object.fromEntries(Object.entries(results).map(([name, rs]) => [name, median(rs.map((r) => r.wall))]))
  // Daemon CPU = machine busy - client CPU, per run; medians per variant.
  const cpu = Object.fromEntries(Object.entries(results).map(([name, rs]) => [name, {
    daemon: median(rs.map((r) => r.busy - r.client)), client: median(rs.map((r) => r.client)),
  }]))
  return {...walls, cpu, cores: os.cpus().length, idle, rounds}
}

/** Peak RSS (GNU time) of `hijack exec --parallel 256` over 1,000 containers of a mock daemon. */
export async function benchFanoutMemory({env, hijackCmd, runs}) {
  const dir = mkdtempSync('/tmp/hj-bm-')
  const config = join(dir, 'config.json')
  const containers = Array.from({length: 1000}, (_, i) => ({name: `m${String(i).padStart(4, '0')}`, runtime: 'builtin', cmd: ['sleep', 'infinity']}))
  writeFileSync(config, JSON.stringify({containers}))
  const socket = join(dir, 'd.sock')
  const daemon = spawn(process.execPath, [...hijackCmd.slice(1), 'mock-daemon', '--socket', socket, '--config', config], {env, stdio: ['ignore', 'pipe', 'inherit']})
  await new Promise((resolve, reject) => {
    daemon.stdout.on('data', (d) => String(d).includes('listening') && resolve())
    daemon.on('exit', () => reject(new Error('bench: mock daemon exited')))
  })
  const rss = []
  try {
    for (let i = 0; i < runs; i++) {
      const timeFile = join(dir, 'time')
      const script = `/usr/bin/time -f '%e %M' -o ${timeFile} ${hijackCmd.map(shellQuote).join(' ')} exec -H unix://${socket} --parallel 256 --json --filter name=m echo hello | grep -c '"exitCode":0'`
      const count = Number(execFileSync('bash', ['-o', 'pipefail', '-c', script], {env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}).trim())
      if (count !== 1000) throw new Error(`bench: ${count} of 1000 sessions succeeded`)
      const [wall, kib] = readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ').map(Number)
      rss.push({wall, mib: kib / 1024})
    }
  } finally {
    daemon.kill('SIGTERM')
    await new Promise((resolve) => daemon.once('exit', resolve))
    rmSync(dir, {recursive: true, force: true})
  }
  return {rssMiB: median(rss.map((r) => r.mib)), wall: median(rss.map((r) => r.wall)), runs}
}

/** Markdown rows for the fan-out section. */
export function fanoutRows(exec, memory) {
  const speedUp = (other, ours) => `${(other / ours).toFixed(2)}x`
  const verdict = (ratio, ok, want) => `${ok(ratio) ? 'met' : 'not met'} (${want})`
  const loopOk = (r) => r >= 5
  const xargsOk = (r) => r > 1
  return [
    `| fan-out rows (${exec.rounds} alternating rounds) | wall (s) median | speed-up of hijack \`--filter\` / of the one-run list | target (\`--filter\` / list) |`,
    '| --- | ---: | ---: | --- |',
    `| hijack: 10 x \`exec --filter label=bench=fan sh -c 'echo $HOSTNAME'\` (100 execs, 10 containers) | ${exec.hijack.toFixed(2)} | | |`,
    `| hijack: one \`exec --parallel 10 c0,...,c9,c0,...\` run of the same 100 execs | ${exec.hijackList.toFixed(2)} | | |`,
    `| bash loop of 100 \`docker exec\` | ${exec.loop.toFixed(2)} | ${speedUp(exec.loop, exec.hijack)} / ${speedUp(exec.loop, exec.hijackList)} | ${verdict(exec.loop / exec.hijack, loopOk, '>= 5x')} / ${verdict(exec.loop / exec.hijackList, loopOk, '>= 5x')} |`,
    `| \`xargs -P 10 docker exec\` (100) | ${exec.xargs.toFixed(2)} | ${speedUp(exec.xargs, exec.hijack)} / ${speedUp(exec.xargs, exec.hijackList)} | ${verdict(exec.xargs / exec.hijack, xargsOk, '> 1x')} / ${verdict(exec.xargs / exec.hijackList, xargsOk, '> 1x')} |`,
    `| hijack \`exec --parallel 256\` over 1,000 mock containers: peak RSS (MiB), median of ${memory.runs} | ${memory.rssMiB.toFixed(1)} | | ${memory.rssMiB <= 128 ? 'met' : 'not met'} (<= 128 MiB) |`,
    '',
    ...ceilingRows(exec),
  ].join('\n')
}

const LABELS = {hijack: 'hijack: 10 x `exec --filter`', hijackList: 'hijack: one `exec --parallel 10` run', loop: 'bash loop of 100 `docker exec`', xargs: '`xargs -P 10 docker exec`'}

/**
 * Where the time goes: the daemon side's CPU per exec is paid whatever the client does, so
 * (daemon CPU of 100 execs) / cores is the fastest any client can run them, and the bash loop's wall
 * over that floor is the largest speed-up any client can show.
 */
function ceilingRows(exec) {
  const {cpu, cores, loop} = exec
  const daemon = Math.min(...Object.values(cpu).map((c) => c.daemon))
  const floor = daemon / cores
  const best = loop / floor
  const perExecMs = (s) => s * 10 // seconds for 100 execs -> ms per exec
  return [
    `| fan-out CPU, 100 execs (median of ${exec.rounds}; daemon = machine busy from /proc/stat - client user+sys) | daemon CPU per exec (ms) | client CPU (s) |`,
    '| --- | ---: | ---: |',
    ...Object.entries(cpu).map(([name, c]) => `| ${LABELS[name]} | ${perExecMs(c.daemon).toFixed(0)} | ${c.client.toFixed(2)} |`),
    `| ceiling: fastest possible 100 execs = least daemon CPU ${daemon.toFixed(2)} s / ${cores} cores = ${floor.toFixed(2)} s; largest speed-up over the bash loop = ${loop.toFixed(2)} / ${floor.toFixed(2)} = ${best.toFixed(2)}x; 5x ${best >= 5 ? 'is reachable' : 'is not reachable'} on this machine (idle machine busy ${(exec.idle * 1000).toFixed(0)} ms/s, counted as daemon CPU) | | |`,
  ]
}
