#!/usr/bin/env node
// Scale benchmark for the mock daemon (issue #4): N concurrent hijacked exec sessions against a
// built-in `cat`, memory per session and setup latency. A benchmark, not a test: it exits 0 when the
// memory target is missed, non-zero only when sessions failed or bytes were lost (or it gave up).
//
//   npm run bench:mock                      # 10,000 sessions, 256 in setup at once, 4 KiB each
//   node bench/mock-scale.js --sessions 2000 --concurrency 128 --bytes 8192 --clients 2
//   node bench/mock-scale.js --sessions 100 --fault closeAfterBytes=1000   # see it report lost bytes (exit 1)
//   node bench/mock-scale.js --snapshot /tmp/daemon   # heap snapshots before, with all sessions open, after (profiling)
//
// Processes: this one orchestrates; bench/daemon-process.js runs the daemon alone (its RSS is what is
// measured, after full GCs with --expose-gc); bench/mock-load.js processes open the sessions.
import {execFileSync, spawn} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const TARGET_KIB = 16

function parseArgs(argv) {
  const opts = {sessions: 10_000, concurrency: 256, bytes: 4096, clients: 2, warmup: 200, timeoutS: 170, sessionTimeoutS: 20, snapshot: '', json: false, faults: []}
  const names = {'--sessions': 'sessions', '--concurrency': 'concurrency', '--bytes': 'bytes', '--clients': 'clients', '--warmup': 'warmup', '--timeout': 'timeoutS', '--session-timeout': 'sessionTimeoutS', '--snapshot': 'snapshot'}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--json') opts.json = true
    else if (a === '--fault' && i + 1 < argv.length) opts.faults.push(argv[++i])
    else if (a === '--help' || a === '-h') {
      console.log('usage: node bench/mock-scale.js [--sessions N] [--concurrency N] [--bytes N] [--clients N] [--warmup N] [--timeout S] [--session-timeout S] [--snapshot FILE] [--fault NAME=VALUE] [--json]')
      process.exit(0)
    } else if (names[a] && i + 1 < argv.length) {
      const key = names[a]
      opts[key] = key === 'snapshot' ? argv[++i] : Number(argv[++i])
      if (key !== 'snapshot' && !(Number.isInteger(opts[key]) && opts[key] >= (key === 'warmup' ? 0 : 1))) {
        console.error(`${a}: expected a positive integer`)
        process.exit(2)
      }
    } else {
      console.error(`unknown argument ${a} (try --help)`)
      process.exit(2)
    }
  }
  return opts
}

/**
 * Raises the soft open-files limit to the hard one in a shell, then execs the command. (Node raises its
 * own soft limit at start-up too; the shell makes it explicit, and the hard limit is what bounds the run.)
 */
const RAISE_FDS = 'h=$(ulimit -Hn); [ "$h" = unlimited ] && h=1048576; ulimit -Sn "$h" 2>/dev/null; exec "$@"'

function achievableFdLimit() {
  try {
    return Number(execFileSync('sh', ['-c', `${RAISE_FDS.replace('exec "$@"', 'ulimit -Sn')}`], {encoding: 'utf8'}).trim())
  } catch {
    return NaN
  }
}

const children = []

function spawnNode(script, args, nodeFlags = []) {
  const env = {...process.env}
  delete env.NODE_OPTIONS // no test-runner loaders in the measured processes
  const child = spawn('sh', ['-c', RAISE_FDS, 'sh', process.execPath, ...nodeFlags, join(here, script), ...args], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env,
  })
  const queue = []
  const waiters = []
  child.on('message', (msg) => {
    const at = waiters.findIndex((w) => w.type === msg.type || msg.type === 'fatal')
    if (at >= 0) {
      const [w] = waiters.splice(at, 1)
      if (msg.type === 'fatal') w.reject(new Error(`${script}: ${msg.message}`))
      else w.resolve(msg)
    } else queue.push(msg)
  })
  child.on('exit', (code, signal) => {
    for (const w of waiters.splice(0)) w.reject(new Error(`${script} exited (${signal ?? code}) while waiting for '${w.type}'`))
  })
  child.next = (type) => {
    const at = queue.findIndex((m) => m.type === type || m.type === 'fatal')
    if (at >= 0) {
      const [msg] = queue.splice(at, 1)
      return msg.type === 'fatal' ? Promise.reject(new Error(`${script}: ${msg.message}`)) : Promise.resolve(msg)
    }
    return new Promise((resolve, reject) => waiters.push({type, resolve, reject}))
  }
  child.ask = (msg, answer) => {
    child.send(msg)
    return child.next(answer)
  }
  children.push(child)
  return child
}

let memId = 0
const daemonMem = (daemon) => daemon.ask({type: 'mem', id: ++memId}, 'mem').then((m) => m.mem)

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]
}

const MiB = 1024 * 1024
const fmt = (n, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a')

let dir = ''

function cleanUp() {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  if (dir) rmSync(dir, {recursive: true, force: true})
}

async function main() {
  const opts = parseArgs(process.argv.slice(2))
  const started = Date.now()
  let phase = 'starting'
  const deadline = setTimeout(() => {
    console.error(`\nmock-scale: gave up after ${opts.timeoutS} s (phase: ${phase}); stopping.`)
    cleanUp()
    process.exit(3)
  }, opts.timeoutS * 1000)

  const limit = achievableFdLimit()
  const headroom = 200
  if (!Number.isFinite(limit)) console.error('mock-scale: could not read the open-files limit (ulimit -n); going on')
  let sessions = opts.sessions
  if (Number.isFinite(limit) && sessions + headroom > limit) {
    const fit = Math.max(1, limit - headroom)
    console.error(`mock-scale: WARNING: the daemon process can hold at most ${limit} open files (ulimit -n cannot be raised further: ` +
      `raise the hard limit, e.g. in /etc/security/limits.conf or with prlimit); running ${fit} sessions instead of ${sessions}.`)
    sessions = fit
  }
  let clients = Math.min(opts.clients, sessions)
  if (Number.isFinite(limit)) {
    const perClient = limit - headroom - opts.concurrency
    if (perClient < 1) throw new Error(`open-files limit ${limit} is too low for concurrency ${opts.concurrency}`)
    clients = Math.max(clients, Math.ceil(sessions / perClient))
  }

  dir = mkdtempSync(join(tmpdir(), 'hijack-bench-'))
  const socket = join(dir, 'docker.sock')
  const config = join(dir, 'config.json')
  writeFileSync(config, JSON.stringify({containers: [{name: 'cat', runtime: 'builtin', cmd: ['sleep', 'infinity']}]}))

  try {
    const daemon = spawnNode('daemon-process.js', ['--socket', socket, '--config', config, ...opts.faults.flatMap((f) => ['--fault', f])], ['--expose-gc'])
    const ready = await daemon.next('ready')
    const loads = Array.from({length: clients}, () => spawnNode('mock-load.js', []))
    const loadReady = await Promise.all(loads.map((l) => l.next('ready')))
    if (!ready.mem.gced) console.error('mock-scale: the daemon has no gc(): memory figures include garbage')

    const failures = []
    let retries = 0
    // Warm-up: compile the code paths and fill the daemon's pools once, so "before" is a steady state.
    if (opts.warmup > 0) {
      phase = 'warm-up'
      const w = await loads[0].ask({type: 'open', socket, container: 'cat', first: 0, count: opts.warmup, concurrency: Math.min(opts.concurrency, opts.warmup), bytes: opts.bytes, sessionTimeoutMs: opts.sessionTimeoutS * 1000}, 'opened')
      const wc = await loads[0].ask({type: 'close'}, 'closed')
      if (w.failed > 0 || wc.bytesOk !== wc.closed || wc.stillRunning + wc.badExitCode + wc.inspectErrors > 0) {
        failures.push(`warm-up: ${w.failed} failed to open, ${wc.closed - wc.bytesOk} lost bytes, inspect: ${JSON.stringify(wc)}`, ...w.failures)
      }
    }
    const before = await daemonMem(daemon)
    if (opts.snapshot) await daemon.ask({type: 'snapshot', id: 0, file: `${opts.snapshot}.before.heapsnapshot`}, 'snapshot')

    // Two rounds with a measurement in between: the slope between the half-way point and the end is the
    // marginal cost of a session, free of V8's one-off growth (its young generation grows under load).
    phase = 'opening sessions'
    const per = Math.floor(sessions / clients)
    const share = (k) => (k === clients - 1 ? sessions - per * (clients - 1) : per)
    const openRound = (round) => Promise.all(loads.map((l, k) => {
      const half = Math.floor(share(k) / 2)
      return l.ask({
        type: 'open',
        socket,
        container: 'cat',
        first: opts.warmup + k * per + (round === 0 ? 0 : half),
        count: round === 0 ? half : share(k) - half,
        concurrency: Math.max(1, Math.round(opts.concurrency / clients)),
        bytes: opts.bytes,
        sessionTimeoutMs: opts.sessionTimeoutS * 1000,
      }, 'opened')
    }))
    let openMs = Date.now()
    const opened = await openRound(0)
    openMs = Date.now() - openMs
    const mid = await daemonMem(daemon)
    const midOpen = opened.reduce((n, o) => n + o.open, 0)
    const secondMs = Date.now()
    opened.push(...(await openRound(1)))
    openMs += Date.now() - secondMs
    const openSeconds = openMs / 1000
    phase = 'measuring'
    const after = await daemonMem(daemon)
    let snapshot = ''
    if (opts.snapshot) snapshot = (await daemon.ask({type: 'snapshot', id: 0, file: `${opts.snapshot}.after.heapsnapshot`}, 'snapshot')).file

    phase = 'closing sessions'
    const closeStart = Date.now()
    const closed = await Promise.all(loads.map((l) => l.ask({type: 'close'}, 'closed')))
    const closeSeconds = (Date.now() - closeStart) / 1000
    phase = 'measuring after close'
    const afterClose = await daemonMem(daemon)
    if (opts.snapshot) await daemon.ask({type: 'snapshot', id: 0, file: `${opts.snapshot}.closed.heapsnapshot`}, 'snapshot')
    phase = 'stopping'
    daemon.send({type: 'stop'})
    for (const l of loads) l.send({type: 'exit'})

    const latencies = opened.flatMap((o) => o.latencies).sort((a, b) => a - b)
    const open = opened.reduce((n, o) => n + o.open, 0)
    retries += opened.reduce((n, o) => n + o.retries, 0)
    const failedToOpen = opened.reduce((n, o) => n + o.failed, 0)
    if (failedToOpen > 0) failures.push(`${failedToOpen} sessions failed to open`, ...opened.flatMap((o) => o.failures).slice(0, 10))
    const sum = (key) => closed.reduce((n, c) => n + c[key], 0)
    const bytesOk = sum('bytesOk')
    const inspected = sum('inspected')
    const stillRunning = sum('stillRunning')
    const badExit = sum('badExitCode')
    const inspectErrors = sum('inspectErrors')
    for (const c of closed) failures.push(...c.problems)
    const allBytes = open === sessions && bytesOk === sessions
    if (stillRunning + badExit + inspectErrors > 0) failures.push(`exec inspect: ${stillRunning} still running, ${badExit} bad exit codes, ${inspectErrors} errors of ${inspected}`)

    const n = Math.max(1, open)
    const kibPerSession = open > 0 ? (after.rss - before.rss) / n / 1024 : NaN
    const heapPerSession = open > 0 ? (after.heapUsed - before.heapUsed) / n / 1024 : NaN
    const externalPerSession = (after.external - before.external) / n / 1024
    const marginal = (after.rss - mid.rss) / Math.max(1, open - midOpen) / 1024
    const marginalHeap = (after.heapUsed - mid.heapUsed) / Math.max(1, open - midOpen) / 1024
    const targetMet = allBytes && kibPerSession <= TARGET_KIB

    const row = [
      open === sessions ? String(sessions) : `${open} of ${sessions}`,
      String(opts.concurrency),
      String(opts.bytes),
      fmt(percentile(latencies, 50), 2),
      fmt(percentile(latencies, 99), 2),
      fmt(before.rss / MiB),
      fmt(after.rss / MiB),
      fmt(kibPerSession, 2),
      fmt(heapPerSession, 2),
      allBytes && failures.length === 0 ? 'yes' : 'no',
      targetMet ? 'yes' : 'no',
    ]
    console.log('')
    console.log('| sessions | concurrency limit | bytes/session | setup median ms | setup p99 ms | daemon RSS before MiB | daemon RSS after MiB | KiB/session (RSS) | heap KiB/session | all bytes accounted | target met (<= 16 KiB) |')
    console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|:---:|')
    console.log(`| ${row.join(' | ')} |`)
    console.log('')
    console.log(`- node ${process.version}, ${clients} load process(es), open-files limit ${limit} (daemon sees ${ready.fdLimit.soft}, load ${loadReady.map((r) => r.fdLimit).join('/')}), ` +
      `${opts.warmup} warm-up sessions before "before", ${retries} connect retries`)
    console.log(`- opened ${open} sessions in ${fmt(openSeconds, 2)} s (${fmt(open / openSeconds, 0)}/s); closed and verified in ${fmt(closeSeconds, 2)} s; ` +
      `exec inspect: ${inspected} checked, ${stillRunning} running, ${badExit} bad exit code, ${inspectErrors} errors`)
    console.log(`- daemon at start: RSS ${fmt(ready.mem.rss / MiB)} MiB; with all sessions open: heapUsed ${fmt(before.heapUsed / MiB)} -> ${fmt(after.heapUsed / MiB)} MiB, ` +
      `external ${fmt(before.external / MiB)} -> ${fmt(after.external / MiB)} MiB (${fmt(externalPerSession, 2)} KiB/session), ` +
      `malloced ${fmt(before.mallocedMemory / MiB)} -> ${fmt(after.mallocedMemory / MiB)} MiB, open fds ${before.fds} -> ${after.fds}`)
    console.log(`- marginal cost, from ${midOpen} to ${open} open sessions: ${fmt(marginal, 2)} KiB RSS, ${fmt(marginalHeap, 2)} KiB heap per session; ` +
      `V8 young generation ${fmt(before.spaces.new_space.physical / MiB)} -> ${fmt(after.spaces.new_space.physical / MiB)} MiB, ` +
      `old space committed ${fmt(before.spaces.old_space.physical / MiB)} -> ${fmt(after.spaces.old_space.physical / MiB)} MiB`)
    console.log(`- after every session closed: RSS ${fmt(afterClose.rss / MiB)} MiB, heapUsed ${fmt(afterClose.heapUsed / MiB)} MiB ` +
      `(${fmt((afterClose.heapUsed - before.heapUsed) / n, 0)} B/session still held), open fds ${afterClose.fds}`)
    if (snapshot) {
      console.log(`- heap snapshots: ${opts.snapshot}.{before,after,closed}.heapsnapshot; compare: node bench/heap-diff.js ` +
        `${opts.snapshot}.before.heapsnapshot ${snapshot} ${open}; why alive: node bench/heap-retainers.js ${snapshot} NAME`)
    }
    console.log(`- total ${fmt((Date.now() - started) / 1000, 1)} s`)
    if (opts.json) {
      console.log(JSON.stringify({opts, sessions, open, clients, limit, latencies: {median: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1)},
        before, mid, after, afterClose, kibPerSession, marginal, marginalHeap, heapPerSession, allBytes, targetMet, failures}))
    }
    if (failures.length > 0) {
      console.error(`\nmock-scale: FAILED: ${failures.length} problem(s):`)
      for (const f of failures.slice(0, 30)) console.error(`  ${f}`)
      process.exitCode = 1
    } else if (!allBytes) process.exitCode = 1
  } finally {
    clearTimeout(deadline)
    setTimeout(() => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
    }, 5000).unref()
    rmSync(dir, {recursive: true, force: true})
  }
}

main().catch((error) => {
  console.error(`mock-scale: ${error?.stack ?? error}`)
  cleanUp()
  process.exit(2)
})
