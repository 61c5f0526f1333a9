#!/usr/bin/env node
// Profiling aid for bench/mock-scale.js --snapshot: what grew between two V8 heap snapshots, by
// node type and constructor/closure name, per session.
//   node bench/heap-diff.js BEFORE.heapsnapshot AFTER.heapsnapshot SESSIONS [TOP]
import {readFileSync} from 'node:fs'

function summarize(file) {
  const snap = JSON.parse(readFileSync(file, 'utf8'))
  const fields = snap.snapshot.meta.node_fields
  const types = snap.snapshot.meta.node_types[0]
  const width = fields.length
  const iType = fields.indexOf('type')
  const iName = fields.indexOf('name')
  const iSize = fields.indexOf('self_size')
  const {nodes, strings} = snap
  // Closures are told apart by where they were written: script id, line and column (0-based).
  const where = new Map()
  const loc = snap.locations ?? []
  for (let i = 0; i < loc.length; i += 4) where.set(loc[i], `@${loc[i + 1]}:${loc[i + 2] + 1}:${loc[i + 3] + 1}`)
  const groups = new Map()
  let total = 0
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + iType]]
    let name = strings[nodes[i + iName]]
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string') name = ''
    if (type === 'number') name = ''
    if (name.length > 60) name = `${name.slice(0, 57)}...`
    if (type === 'closure' && process.env.HEAP_DIFF_WHERE) name += where.get(i) ?? ''
    const key = `${type}\t${name}`
    const size = nodes[i + iSize]
    total += size
    const g = groups.get(key)
    if (g) {
      g.count++
      g.size += size
    } else groups.set(key, {count: 1, size})
  }
  return {groups, total}
}

const [beforeFile, afterFile, sessionsArg, topArg] = process.argv.slice(2)
if (!afterFile) {
  console.error('usage: node bench/heap-diff.js BEFORE.heapsnapshot AFTER.heapsnapshot SESSIONS [TOP]')
  process.exit(2)
}
const sessions = Number(sessionsArg) || 1
const top = Number(topArg) || 40
const a = summarize(beforeFile)
const b = summarize(afterFile)
const rows = []
for (const [key, g] of b.groups) {
  const old = a.groups.get(key) ?? {count: 0, size: 0}
  rows.push({key, count: g.count - old.count, size: g.size - old.size})
}
rows.sort((x, y) => y.size - x.size)
console.log(`heap self size: ${(a.total / 1048576).toFixed(1)} -> ${(b.total / 1048576).toFixed(1)} MiB; ` +
  `${((b.total - a.total) / sessions).toFixed(0)} B/session over ${sessions} sessions`)
console.log('bytes/session  count/session  type  name')
for (const r of rows.slice(0, top)) {
  const [type, name] = r.key.split('\t')
  console.log(`${(r.size / sessions).toFixed(0).padStart(12)}  ${(r.count / sessions).toFixed(2).padStart(13)}  ${type}  ${name}`)
}
