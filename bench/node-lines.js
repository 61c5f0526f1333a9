#!/usr/bin/env node
// `npm run bench:node-lines`: `hijack exec c true` on each tested Node line (the machine's 20, and 24
// and 26 from scripts/node-line.sh) against the Docker CLI, on a private real dockerd, alternating
// runs (docker, 20, 24, 26, docker, ...) so drift hits all alike. Also a bare `node -e 0` per line,
// the start-up floor. Prints a markdown table of medians (wall and CPU, ratios against the Docker CLI).
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import os from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {hijackArgv} from '../scripts/hijack-bin.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const ROUNDS = Number(process.env.BENCH_PAIRS ?? 30)

const env = {...process.env}
delete env.NODE_EXTRA_CA_CERTS // ~100 ms per node start here
delete env.NODE_OPTIONS
delete env.DOCKER_HOST
env.DOCKER_CONFIG = mkdtempSync(join(os.tmpdir(), 'hj-bench-cfg-'))

const lines = [['20', process.execPath], ...['24', '26'].map((line) => [line, join(execFileSync(join(root, 'scripts', 'node-line.sh'), [line], {encoding: 'utf8'}).trim(), 'node')])]
for (const [line, node] of lines) {
  const v = execFileSync(node, ['-p', 'process.versions.node'], {env, encoding: 'utf8'}).trim()
  if (v.split('.')[0] !== line) throw new Error(`bench: ${node} is Node ${v}, not ${line}`)
  lines.find((l) => l[0] === line).push(v)
}

const work = mkdtempSync('/tmp/hj-b-')
console.error('bench: starting a private dockerd (scripts/dockerd.sh)')
const host = execFileSync(join(root, 'scripts', 'dockerd.sh'), ['start', join(work, 'd')], {env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit']}).trim().split('\n').pop()
process.on('exit', () => {
  try {
    execFileSync(join(root, 'scripts', 'dockerd.sh'), ['stop', join(work, 'd')], {stdio: 'ignore'})
  } catch {}
  rmSync(work, {recursive: true, force: true})
  rmSync(env.DOCKER_CONFIG, {recursive: true, force: true})
})
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130))

const docker = (...args) => execFileSync('docker', ['-H', host, ...args], {env, encoding: 'utf8'}).trim()
docker('run', '-d', '--network', 'none', '--name', 'bench', '-i', 'hijack-test/busybox', 'sleep', '1000000')
const daemonVersion = docker('version', '--format', '{{.Server.Version}} (API {{.Server.APIVersion}})')

const q = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`
/** Wall and CPU (user + sys) of one command, from bash's `time` keyword (millisecond resolution). */
function time(command) {
  const script = `TIMEFORMAT='%3R %3U %3S'; exec 3>&2; { time ${command} >/dev/null 2>&3; } 2>&1`
  const out = execFileSync('bash', ['-c', script], {env: {...env, LC_ALL: 'C'}, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit']})
  const [wall, user, sys] = out.trim().split('\n').pop().split(' ').map(Number)
  return {wall, cpu: user + sys}
}

const clients = [['docker', `docker -H ${host} exec bench true`], ...lines.map(([line, node]) => [`hijack on Node ${line}`, `${[node, ...hijackArgv()].map(q).join(' ')} exec -H ${host} bench true`])]
const bare = lines.map(([line, node]) => [`node -e 0 on Node ${line}`, `${q(node)} -e 0`])
const results = Object.fromEntries([...clients, ...bare].map(([name]) => [name, []]))
for (let i = 0; i < ROUNDS; i++) {
  for (const [name, command] of [...clients, ...bare]) results[name].push(time(command))
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const dWall = median(results.docker.map((r) => r.wall))
const dCpu = median(results.docker.map((r) => r.cpu))
const n20 = median(results['node -e 0 on Node 20'].map((r) => r.wall))
const rowsOut = [`| what | wall (median, s) | wall vs docker | CPU (median, s) | CPU vs docker |`, `| --- | ---: | ---: | ---: | ---: |`]
for (const name of Object.keys(results)) {
  const wall = median(results[name].map((r) => r.wall))
  const cpu = median(results[name].map((r) => r.cpu))
  const vs = name.startsWith('node -e') ? `(${(wall / n20).toFixed(2)}x Node 20's)` : (wall / dWall).toFixed(2)
  rowsOut.push(`| ${name} | ${wall.toFixed(3)} | ${vs} | ${cpu.toFixed(3)} | ${name.startsWith('node -e') ? '' : (cpu / dCpu).toFixed(2)} |`)
}
console.log(`${ROUNDS} rounds, alternating (${[...clients, ...bare].map(([n]) => n).join(', ')}); dockerd ${daemonVersion}; ` +
  `Node ${lines.map(([l, , v]) => v).join(', ')}; ${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(1)} at the end; NODE_EXTRA_CA_CERTS unset.\n`)
console.log(rowsOut.join('\n'))
