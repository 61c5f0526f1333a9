#!/usr/bin/env node
// `npm run bench`: hijack against the Docker CLI on a private real dockerd, alternating runs (A B A B ...).
// Prints a markdown table of medians and ratios and writes it to BENCHMARKS.md. Every run's output is
// checked (digest or byte count): a fast wrong answer does not count.
import {execFileSync, spawn} from 'node:child_process'
import {createHash, randomBytes} from 'node:crypto'
import {createWriteStream, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {freePort, makeCerts, startSshd} from './remote-endpoints.js'
import {hijackArgv} from '../scripts/hijack-bin.js'

const root = fileURLToPath(new URL('..', import.meta.url))
// hijack as a user's `hijack` runs it: this node, with the bin's own node flags.
const hijackCmd = [process.execPath, ...hijackArgv()]
const hijackShell = hijackCmd.map((a) => shellQuote(a)).join(' ')
const MiB = 1024 * 1024
// BENCH_ONLY=remote runs only the TLS and ssh rows; BENCH_REMOTE=0 leaves them out.
const ONLY_REMOTE = process.env.BENCH_ONLY === 'remote'
const WITH_REMOTE = process.env.BENCH_REMOTE !== '0'
const PAIRS = {remoteLatency: Number(process.env.BENCH_REMOTE_PAIRS ?? 10), latency: Number(process.env.BENCH_PAIRS ?? 30), bulk: Number(process.env.BENCH_BULK_PAIRS ?? 5), attach: 30}
const TICK_MS = 5

// Children get a clean environment: NODE_EXTRA_CA_CERTS costs ~100 ms per node start here.
const env = {...process.env}
delete env.NODE_EXTRA_CA_CERTS
delete env.NODE_OPTIONS
delete env.DOCKER_HOST
env.DOCKER_CONFIG = mkdtempSync(join(os.tmpdir(), 'hj-bench-cfg-'))

const work = mkdtempSync('/tmp/hj-b-')
// pipefail: a failing CLI stops the bench with its stderr instead of passing an empty output along.
const sh = (cmd) => execFileSync('bash', ['-o', 'pipefail', '-c', cmd], {env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit']}).trim()

console.error('bench: starting a private dockerd (scripts/dockerd.sh)')
const certs = WITH_REMOTE ? makeCerts(join(work, 'certs')) : undefined
const tlsPort = WITH_REMOTE ? await freePort() : undefined
const host = execFileSync(join(root, 'scripts', 'dockerd.sh'), ['start', join(work, 'd')], {
  env: {...env, ...(certs && {HIJACK_DOCKERD_TLS: `${tlsPort}:${certs.dir}`})}, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'],
}).trim().split('\n').pop()
const stopDaemon = () => {
  try {
    execFileSync(join(root, 'scripts', 'dockerd.sh'), ['stop', join(work, 'd')], {stdio: 'ignore'})
  } catch {}
}
let sshd
process.on('exit', () => {
  sshd?.stop()
  stopDaemon()
  rmSync(work, {recursive: true, force: true})
  rmSync(env.DOCKER_CONFIG, {recursive: true, force: true})
})
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130))

const docker = (...args) => execFileSync('docker', ['-H', host, ...args], {env, encoding: 'utf8'}).trim()
const run = (name, ...cmd) => docker('run', '-d', '--network', 'none', '--name', name, '-i', 'hijack-test/busybox', ...cmd)
run('bench', 'sleep', '1000000')
const daemonVersion = docker('version', '--format', '{{.Server.Version}} (API {{.Server.APIVersion}})')

// Fan-out (issue 14). BENCH_ONLY=fanout runs only these rows and prints them.
let fanoutTable = ''
if (!ONLY_REMOTE) {
  const {benchFanoutExec, benchFanoutMemory, fanoutRows} = await import('./fanout.js')
  const fanoutExec = benchFanoutExec({env, host, hijack: hijackShell, docker, rounds: Number(process.env.BENCH_FANOUT_ROUNDS ?? 5)})
  const fanoutMemory = await benchFanoutMemory({env, hijackCmd, runs: 3})
  fanoutTable = fanoutRows(fanoutExec, fanoutMemory)
  console.error('bench: fan-out: done')
}
if (process.env.BENCH_ONLY === 'fanout') {
  process.stdout.write(`${fanoutTable}\n`)
  process.exit(0)
}

const input = join(work, 'random-256m')
{
  const out = createWriteStream(input)
  for (let i = 0; i < 256; i++) out.write(randomBytes(MiB))
  await new Promise((resolve) => out.end(resolve))
}
const inputDigest = createHash('sha256').update(readFileSync(input)).digest('hex')

/** How both CLIs reach the daemon: global flags and extra environment (the plain socket by default). */
const local = {flags: `-H ${host}`, env: {}}
let endpoint = local
// hijack takes global flags after the command name too; put them there so both see the same words otherwise.
const cli = (client, command, rest) => client === 'hijack'
  ? `${hijackShell} ${command} ${endpoint.flags} ${rest}`
  : `docker ${endpoint.flags} ${command} ${rest}`

function shellQuote(s) {
  return `'${String(s).replace(/'/g, `'\\''`)}'`
}

/** Runs `pipeline` where CLI is the measured command; GNU time reports its wall, CPU and peak RSS. */
function measure(client, command, rest, pipeline) {
  return measureCommand(cli(client, command, rest), pipeline)
}

function measureCommand(commandLine, pipeline) {
  const timeFile = join(work, 'time')
  const timed = `/usr/bin/time -f '%e %U %S %M' -o ${timeFile} ${commandLine}`
  const output = execFileSync('bash', ['-o', 'pipefail', '-c', pipeline.replace('CLI', timed)],
    {env: {...env, ...endpoint.env}, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit']}).trim()
  const [wall, user, sys, rssKiB] = readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ').map(Number)
  return {wall, cpu: user + sys, rss: rssKiB / 1024, output}
}

/**
 * For short runs: bash's `time` keyword reports wall, user and sys to the millisecond (GNU time rounds
 * to 10 ms, which made a 10 ms CPU time read as 0). No peak RSS here; the bulk cases report that.
 */
function measureShort(client, command, rest) {
  // The timing line goes to stdout; the CLI's own stderr stays stderr. LC_ALL=C: a comma-decimal
  // locale would print 0,012.
  const script = `TIMEFORMAT='%3R %3U %3S'; exec 3>&2; { time ${cli(client, command, rest)} >/dev/null 2>&3; } 2>&1`
  const out = execFileSync('bash', ['-c', script], {env: {...env, ...endpoint.env, LC_ALL: 'C'}, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit']})
  const [wall, user, sys] = out.trim().split('\n').pop().split(' ').map(Number)
  return {wall, cpu: user + sys}
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

/** A B A B ...: each pair runs hijack then docker, so drift hits both alike. */
function pairs(n, label, one) {
  const results = {hijack: [], docker: []}
  for (let i = 0; i < n; i++) {
    for (const client of ['hijack', 'docker']) results[client].push(one(client))
  }
  console.error(`bench: ${label}: done`)
  return results
}

const check = (ok, what) => {
  if (!ok) throw new Error(`bench: wrong output: ${what}`)
}

const rows = []
const row = (name, metric, unit, results, pick, target) => {
  const h = median(results.hijack.map(pick))
  const d = median(results.docker.map(pick))
  const ratio = h / d
  rows.push({name, metric, unit, h, d, ratio, target: target?.(ratio, h, d)})
}
const throughputTarget = (ratio) => ratio <= 1.0 ? 'met (<= 1.0)' : 'not met (<= 1.0)'
let copy
let topFunctions = []
let total = 0
let sshLogins
if (!ONLY_REMOTE) {
  // 1. exec latency.
  const latency = pairs(PAIRS.latency, 'exec c true', (client) => measureShort(client, 'exec', 'bench true'))
  row('`exec c true`', 'wall', 's', latency, (r) => r.wall, (ratio) => ratio <= 1.0 ? 'met (<= 1.0)' : 'not met (<= 1.0)')
  row('`exec c true`', 'CPU', 's', latency, (r) => r.cpu, (ratio) => ratio <= 1.0 ? 'met (<= 1.0)' : 'not met (<= 1.0)')

  // 2. 256 MiB both ways, digest checked.
  copy = pairs(PAIRS.bulk, '256 MiB through exec -i cat', (client) => {
    const r = measure(client, 'exec', '-i bench cat', `CLI < ${input} | sha256sum`)
    check(r.output.startsWith(inputDigest), `${client} cat digest`)
    return r
  })
  const rssTarget = (_ratio, h) => h <= 64 ? 'met (<= 64 MiB)' : 'not met (<= 64 MiB)'
  row('256 MiB `exec -i c cat` to a digest', 'wall', 's', copy, (r) => r.wall, throughputTarget)
  row('256 MiB `exec -i c cat` to a digest', 'peak RSS', 'MiB', copy, (r) => r.rss, rssTarget)
  row('256 MiB `exec -i c cat` to a digest', 'CPU', 's', copy, (r) => r.cpu)

  // 3. One direction at a time.
  const outOnly = pairs(PAIRS.bulk, '256 MiB out', (client) => {
    const r = measure(client, 'exec', 'bench dd if=/dev/zero bs=1M count=256', `CLI 2>${join(work, 'stderr')} | wc -c`)
    check(Number(r.output) === 256 * MiB, `${client} out-only byte count ${r.output}; stderr: ${readFileSync(join(work, 'stderr'), 'utf8')}`)
    return r
  })
  row('256 MiB out only (`dd if=/dev/zero bs=1M count=256`)', 'wall', 's', outOnly, (r) => r.wall, throughputTarget)
  row('256 MiB out only', 'peak RSS', 'MiB', outOnly, (r) => r.rss, rssTarget)
  const inOnly = pairs(PAIRS.bulk, '256 MiB in', (client) => {
    const r = measure(client, 'exec', `-i bench sh -c 'cat >/dev/null; echo ok'`, `CLI < ${input}`)
    check(r.output === 'ok', `${client} in-only`)
    return r
  })
  row("256 MiB in only (`sh -c 'cat >/dev/null'`)", 'wall', 's', inOnly, (r) => r.wall, throughputTarget)
  row('256 MiB in only', 'peak RSS', 'MiB', inOnly, (r) => r.rss, rssTarget)

  // 4. TTY output.
  const tty = pairs(PAIRS.bulk, '64 MiB over a TTY', (client) => {
    const r = measure(client, 'exec', `-t bench head -c ${64 * MiB} /dev/zero`, 'CLI | wc -c')
    check(Number(r.output) === 64 * MiB, `${client} tty byte count ${r.output}`)
    return r
  })
  row('64 MiB over a TTY (`exec -t`)', 'wall', 's', tty, (r) => r.wall, throughputTarget)
  row('64 MiB over a TTY', 'peak RSS', 'MiB', tty, (r) => r.rss, rssTarget)

  // 5. attach: start to first byte. --no-stdin for both: docker would half-close at stdin EOF and dockerd
  // then ends its output (moby#38457).
  function firstByte(client) {
    return new Promise((resolve, reject) => {
      const [cmd, ...args] = client === 'hijack'
        ? [...hijackCmd, 'attach', '-H', host, '--no-stdin', '--sig-proxy=false', 'ticker']
        : ['docker', '-H', host, 'attach', '--no-stdin', '--sig-proxy=false', 'ticker']
      const started = performance.now()
      const child = spawn(cmd, args, {env, stdio: ['ignore', 'pipe', 'pipe']})
      let stderr = ''
      child.stderr.on('data', (c) => { stderr += c })
      let ms
      child.stdout.once('data', () => {
        ms = performance.now() - started
        child.kill('SIGKILL')
      })
      child.on('close', (code) => ms === undefined ? reject(new Error(`${client} attach ended (${code}) before any output: ${stderr}`)) : resolve({wall: ms / 1000}))
      child.on('error', reject)
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref()
    })
  }
  // The ticker prints every 5 ms: the first byte comes at most one period after the attach is in place.
  // (With a 50 ms period, runs started right after the previous first byte phase-locked to the ticks,
  // and the result was the period, or twice it, whatever the client's own delay.) It runs only for
  // this case, so its logging does not load the daemon during the others.
  run('ticker', 'sh', '-c', `while true; do echo tick; sleep ${TICK_MS / 1000}; done`)
  const attach = {hijack: [], docker: []}
  for (let i = 0; i < PAIRS.attach; i++) {
    for (const client of ['hijack', 'docker']) attach[client].push(await firstByte(client))
  }
  docker('rm', '-f', 'ticker')
  console.error('bench: attach first byte: done')
  row(`attach: start to first byte (ticking container, ${TICK_MS} ms period)`, 'wall', 's', attach, (r) => r.wall, throughputTarget)

  // Where the CPU goes: one profiled 256 MiB copy.
  const profDir = join(work, 'prof')
  sh(`${shellQuote(process.execPath)} --cpu-prof --cpu-prof-dir=${profDir} ${hijackArgv().map((a) => shellQuote(a)).join(' ')} exec -H ${host} -i bench cat < ${input} | sha256sum`)
  const profile = JSON.parse(readFileSync(join(profDir, readdirSync(profDir)[0]), 'utf8'))
  const selfByFunction = new Map()
  const counts = new Map()
  for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1)
  total = profile.samples.length
  for (const node of profile.nodes) {
    const {functionName, url, lineNumber} = node.callFrame
    const file = url ? url.replace(/^.*\/(node_modules\/|dist\/|node:)?/, (m, p) => p ?? '') : ''
    const key = `${functionName || '(anonymous)'} ${file ? `(${file}${lineNumber >= 0 ? `:${lineNumber + 1}` : ''})` : ''}`.trim()
    selfByFunction.set(key, (selfByFunction.get(key) ?? 0) + (counts.get(node.id) ?? 0))
  }
  topFunctions = [...selfByFunction.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10)
}

// TLS and ssh: the same daemon through its --tlsverify listener and through a private sshd.
if (WITH_REMOTE) {
  sshd = await startSshd(join(work, 'ssh'), host)
  const remotes = [
    ['TLS', {flags: `-H tcp://127.0.0.1:${tlsPort} --tlsverify --tlscacert ${certs.ca} --tlscert ${certs.cert} --tlskey ${certs.key}`, env: {}}],
    ['ssh', {flags: `-H ${sshd.url}`, env: sshd.env}],
  ]
  // The TLS latency target is Docker's plus our start-up difference on plain sockets, measured here too.
  const plain = pairs(PAIRS.remoteLatency, 'exec c true over the unix socket', (client) => measureShort(client, 'exec', 'bench true'))
  const startupGap = median(plain.hijack.map((r) => r.wall)) - median(plain.docker.map((r) => r.wall))
  row('`exec c true` over the unix socket (for the TLS target)', 'wall', 's', plain, (r) => r.wall)
  const input64 = join(work, 'random-64m')
  sh(`head -c ${64 * MiB} ${input} > ${input64}`)
  const digest64 = sh(`sha256sum < ${input64}`)
  for (const [name, remote] of remotes) {
    endpoint = remote
    const lat = pairs(PAIRS.remoteLatency, `exec c true over ${name}`, (client) => measureShort(client, 'exec', 'bench true'))
    const tlsTarget = (ratio, h, d) => {
      const limit = d + startupGap
      return `${h <= limit ? 'met' : 'not met'} (<= docker + ${(startupGap * 1000).toFixed(0)} ms start-up gap = ${limit.toFixed(3)})`
    }
    const target = name === 'ssh' ? (ratio) => ratio <= 0.6 ? 'met (<= 0.6)' : 'not met (<= 0.6)' : tlsTarget
    row(`\`exec c true\` over ${name}`, 'wall', 's', lat, (r) => r.wall, target)
    if (name === 'ssh') {
      // ssh handshakes one run makes, read from sshd's log: hijack's, then docker's.
      // The runs are synchronous, so sshd's log is read only while we wait: let it catch up before each count.
      const settle = () => new Promise((resolve) => setTimeout(resolve, 1000))
      sshLogins = {}
      for (const client of ['hijack', 'docker']) {
        await settle()
        const before = sshd.logins()
        measureShort(client, 'exec', 'bench true')
        await settle()
        sshLogins[client] = sshd.logins() - before
      }
    }
    const bulk = pairs(PAIRS.bulk, `64 MiB through exec -i cat over ${name}`, (client) => {
      const r = measure(client, 'exec', '-i bench cat', `CLI < ${input64} | sha256sum`)
      check(r.output === digest64, `${client} cat digest over ${name}`)
      return r
    })
    row(`64 MiB \`exec -i c cat\` over ${name}`, 'wall', 's', bulk, (r) => r.wall, throughputTarget)
    row(`64 MiB \`exec -i c cat\` over ${name}`, 'CPU', 's', bulk, (r) => r.cpu)
    if (name === 'TLS') {
      // The floor for any Node client: a bare pipe and demux (bench/tls-floor.js) against docker, alternating.
      const floorCommand = `${process.execPath} ${join(root, 'bench', 'tls-floor.js')} ${tlsPort} ${certs.dir} bench`
      // In the hijack column of pairs(): the floor's runs alternate with docker's as hijack's do.
      const floor = pairs(PAIRS.bulk, '64 MiB through the bare Node TLS pipe', (client) => {
        const r = client === 'hijack'
          ? measureCommand(floorCommand, `CLI < ${input64} | sha256sum`)
          : measure(client, 'exec', '-i bench cat', `CLI < ${input64} | sha256sum`)
        check(r.output === digest64, `${client === 'hijack' ? 'tls-floor' : client} cat digest over TLS`)
        return r
      })
      const floorName = '64 MiB over TLS, the least any Node client does (`bench/tls-floor.js`: bare pipe and demux, in the hijack column)'
      row(floorName, 'wall', 's', floor, (r) => r.wall)
      row(floorName, 'CPU', 's', floor, (r) => r.cpu)
    }
  }
  endpoint = local
  sshd.stop() // its pipes would keep the bench from ending
}

const fmt = (v, unit) => unit === 'MiB' ? v.toFixed(1) : v < 1 ? v.toFixed(3) : v.toFixed(2)
const copyCpu = copy ? median(copy.hijack.map((r) => r.cpu)) : NaN
const copyCpuDocker = copy ? median(copy.docker.map((r) => r.cpu)) : NaN
const table = [
  '| benchmark | metric | hijack | docker | hijack/docker | target |',
  '| --- | --- | ---: | ---: | ---: | --- |',
  ...rows.map((r) => `| ${r.name} | ${r.metric} (${r.unit}) | ${fmt(r.h, r.unit)} | ${fmt(r.d, r.unit)} | ${r.ratio.toFixed(2)} | ${r.target ?? ''} |`),
].join('\n')
const machine = `${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB memory, ${os.type()} ${os.release()}`
const report = `# Benchmarks

Latest run of \`npm run bench\`: ${new Date().toISOString().slice(0, 10)}.
Machine: ${machine}. Node ${process.version}; Docker CLI ${sh('docker version --format "{{.Client.Version}}" 2>/dev/null || true')}.
Daemon: dockerd ${daemonVersion}, private, network-less (\`scripts/dockerd.sh\`).
Each row is the median of alternating runs (hijack, docker, hijack, docker, ...): ${PAIRS.latency} pairs for
\`exec c true\`, ${PAIRS.bulk} pairs for each bulk transfer, ${PAIRS.attach} for attach. Every bulk run's output
was checked (sha256 or byte count); \`exec c true\` by its exit status. For \`exec c true\`, wall and CPU
(user + sys) come from bash's \`time\` (1 ms resolution); for the bulk rows, wall, CPU and peak RSS come
from GNU time (10 ms). NODE_EXTRA_CA_CERTS was unset.${WITH_REMOTE ? `
The TLS and ssh rows use the same daemon through its \`--tlsverify\` listener on 127.0.0.1 and through a private
sshd on 127.0.0.1 (${PAIRS.remoteLatency} pairs for latency). One \`exec c true\` over ssh made ${sshLogins?.hijack ?? '?'} ssh handshake(s) with
hijack and ${sshLogins?.docker ?? '?'} with docker (counted in sshd's log).` : ''}

${table}
${fanoutTable ? `
## Fan-out

${fanoutTable}
` : ''}
${copy ? `## CPU per GiB

256 MiB through \`exec -i c cat\` moves 512 MiB (256 in, 256 out): hijack used ${(copyCpu * 2).toFixed(2)} s of CPU per GiB
moved, counting both directions (docker: ${(copyCpuDocker * 2).toFixed(2)} s).

Profile of one such run (\`node --cpu-prof\`), self time by function, top 10 of ${total} samples:

| share | function |
| ---: | --- |
${topFunctions.map(([name, n]) => `| ${((100 * n) / total).toFixed(1)}% | \`${name.replace(/\|/g, '\\|')}\` |`).join('\n')}
` : ''}`
process.stdout.write(`${report}\n`)
if (process.env.BENCH_NO_WRITE !== '1' && !ONLY_REMOTE) {
  // Keep any hand-written analysis below the generated part.
  let tail = ''
  try {
    const old = readFileSync(join(root, 'BENCHMARKS.md'), 'utf8')
    const at = old.indexOf('\n## Analysis')
    if (at >= 0) tail = old.slice(at)
  } catch {}
  writeFileSync(join(root, 'BENCHMARKS.md'), report + tail)
  console.error('bench: wrote BENCHMARKS.md')
}
