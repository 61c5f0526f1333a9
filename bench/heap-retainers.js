#!/usr/bin/env node
// Profiling aid: why is an object alive? Prints the shortest retaining path (from the GC roots) of a
// few objects with a given constructor name in a V8 heap snapshot.
//   node bench/heap-retainers.js FILE.heapsnapshot NAME [HOW_MANY]
import {readFileSync} from 'node:fs'

const [file, wanted, howManyArg] = process.argv.slice(2)
if (!wanted) {
  console.error('usage: node bench/heap-retainers.js FILE.heapsnapshot NAME [HOW_MANY]')
  process.exit(2)
}
const snap = JSON.parse(readFileSync(file, 'utf8'))
const meta = snap.snapshot.meta
const nf = meta.node_fields.length
const ef = meta.edge_fields.length
const nodeTypes = meta.node_types[0]
const edgeTypes = meta.edge_types[0]
const {nodes, edges, strings} = snap
const count = nodes.length / nf
const iType = meta.node_fields.indexOf('type')
const iName = meta.node_fields.indexOf('name')
const iEdges = meta.node_fields.indexOf('edge_count')
const eType = meta.edge_fields.indexOf('type')
const eName = meta.edge_fields.indexOf('name_or_index')
const eTo = meta.edge_fields.indexOf('to_node')

// Reverse edges, skipping weak ones (they do not keep anything alive).
const firstEdge = new Uint32Array(count + 1)
for (let n = 0, e = 0; n < count; n++) {
  firstEdge[n] = e
  e += nodes[n * nf + iEdges] * ef
}
firstEdge[count] = edges.length
const parents = Array.from({length: count}, () => [])
for (let n = 0; n < count; n++) {
  for (let e = firstEdge[n]; e < firstEdge[n + 1]; e += ef) {
    const type = edgeTypes[edges[e + eType]]
    if (type === 'weak') continue
    const to = edges[e + eTo] / nf
    const label = type === 'element' || type === 'hidden' ? `[${edges[e + eName]}]` : String(strings[edges[e + eName]])
    parents[to].push([n, `${type}:${label}`])
  }
}
const nodeLabel = (n) => `${nodeTypes[nodes[n * nf + iType]]} ${String(strings[nodes[n * nf + iName]]).slice(0, 50)}`

const targets = []
for (let n = 0; n < count && targets.length < (Number(howManyArg) || 3); n++) {
  const type = nodeTypes[nodes[n * nf + iType]]
  if (strings[nodes[n * nf + iName]] === wanted && (type === 'object' || type === 'closure')) targets.push(n)
}
for (const target of targets) {
  // BFS towards the root (node 0).
  const via = new Map([[target, null]])
  const queue = [target]
  let found = false
  while (queue.length > 0 && !found) {
    const n = queue.shift()
    for (const [p, label] of parents[n]) {
      if (via.has(p)) continue
      via.set(p, [n, label])
      if (p === 0) {
        found = true
        break
      }
      queue.push(p)
    }
  }
  console.log(`--- ${nodeLabel(target)}`)
  if (!found) {
    console.log('  (no path from the roots)')
    continue
  }
  const path = []
  for (let n = 0; n !== target;) {
    const [child, label] = via.get(n)
    path.push(`  ${nodeLabel(n)}  --${label}-->`)
    n = child
  }
  path.push(`  ${nodeLabel(target)}`)
  console.log(path.slice(1).join('\n'))
}
