// The daemon side of bench/mock-scale.js: a mock daemon in a process of its own, so its memory is
// measured alone. Controlled over the IPC channel:
//   parent -> {type: 'mem', id}            answers {type: 'mem', id, mem} (after full GCs when --expose-gc)
//   parent -> {type: 'snapshot', id, file} writes a heap snapshot (profiling), answers {type: 'snapshot', id, file}
//   parent -> {type: 'stop'}               closes the daemon and exits
// Usage: node --expose-gc bench/daemon-process.js --socket PATH --config FILE [--fault NAME=VALUE]...
import {readdirSync, readFileSync} from 'node:fs'
import {getHeapSpaceStatistics, getHeapStatistics, writeHeapSnapshot} from 'node:v8'
import {startMockDaemon} from '../dist/mock-daemon/index.js'

function arg(name) {
  const at = process.argv.indexOf(name)
  return at > 0 ? process.argv[at + 1] : undefined
}

function fdLimit() {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'))
    const [soft, hard] = line.split(/\s{2,}/).slice(1, 3)
    return {soft: Number(soft) || soft, hard: Number(hard) || hard}
  } catch {
    return {soft: 'unknown', hard: 'unknown'}
  }
}

function openFds() {
  try {
    return readdirSync('/proc/self/fd').length
  } catch {
    return null
  }
}

function collect() {
  if (typeof globalThis.gc !== 'function') return false
  // Twice: the first full GC can leave finalizable garbage (weak callbacks) for the second.
  globalThis.gc()
  globalThis.gc()
  return true
}

function memory() {
  const gced = collect()
  const m = process.memoryUsage()
  const h = getHeapStatistics()
  return {
    gced,
    rss: m.rss,
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    mallocedMemory: h.malloced_memory,
    /** Committed bytes per V8 heap space: tells V8's own growth (new space) from the sessions' objects. */
    spaces: Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, {physical: s.physical_space_size, used: s.space_used_size}])),
    handles: process.getActiveResourcesInfo().length,
    fds: openFds(),
  }
}

// --fault NAME=VALUE (repeatable): daemon-wide faults, to see the bench report lost bytes.
const faults = process.argv.flatMap((a, i) => (a === '--fault' ? [process.argv[i + 1]] : []))
const daemon = await startMockDaemon({socket: arg('--socket'), config: arg('--config'), faults})

process.on('message', (msg) => {
  if (msg.type === 'mem') process.send({type: 'mem', id: msg.id, mem: memory()})
  else if (msg.type === 'snapshot') {
    collect()
    const file = writeHeapSnapshot(msg.file)
    process.send({type: 'snapshot', id: msg.id, file})
  } else if (msg.type === 'stop') {
    daemon.close().finally(() => process.exit(0))
  }
})
// The parent going away (bench killed or crashed) must not leave a daemon behind.
process.on('disconnect', () => {
  daemon.close().finally(() => process.exit(0))
})

process.send({type: 'ready', url: daemon.url, pid: process.pid, fdLimit: fdLimit(), mem: memory()})
