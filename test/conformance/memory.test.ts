// Memory stays bounded on any stream size: 1 GiB through `hijack exec -i c cat`, from a pipe and (read in
// large blocks, a separate path) from a file, may grow the peak RSS only a little above the same command's
// with empty input. The growth, not the absolute peak: a Node line's own start-up footprint differs by
// ~11 MiB (20: ~43 MiB; 24, 26: ~55 MiB), which absolute bounds had to absorb: Node 24 with the GC pacing
// (src/cli/gc-pacer.ts) on peaked at 80.1 MiB, over the 80 MiB bound of Node 22+.
// Measured growth with pacing (mock and dockerd): Node 20 15-20 MiB, 24 19-23, 26 19-24; with pacing
// switched off: 20 39-40, 24 48-62, 26 49-58. One bound for every line sits between, 8 MiB or more from each.
// On podman the streams are smaller (SIZES).
// A bound on memory, not on time; the time it takes is the benchmark's business.
import {spawn} from 'node:child_process'
import {createHash, randomBytes} from 'node:crypto'
import {closeSync, createWriteStream, openSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {Readable, type Writable} from 'node:stream'
import t, {type Test} from 'tap'
import {HIJACK_BIN, childEnv, userCommand} from '../helpers/cli.js'
import {TARGETS, type Target} from '../helpers/targets.js'
import {tempDir} from '../helpers/temp.js'

const GiB = 1024 * 1024 * 1024
const MiB = 1024 * 1024
const GROWTH_BOUND_MIB = 32

/** 1 GiB of varied bytes without holding it: a random 1 MiB block, its first bytes stamped per block. */
function payload(size: number): {stream: Readable; digest: Promise<string>} {
  const block = randomBytes(MiB)
  const hash = createHash('sha256')
  let sent = 0
  let resolveDigest: (d: string) => void = () => {}
  const digest = new Promise<string>((resolve) => { resolveDigest = resolve })
  const stream = new Readable({
    read() {
      if (sent >= size) {
        resolveDigest(hash.digest('hex'))
        this.push(null)
        return
      }
      const chunk = Buffer.from(block)
      chunk.writeUInt32BE(sent / MiB, 0)
      hash.update(chunk)
      sent += chunk.length
      this.push(chunk)
    },
  })
  return {stream, digest}
}

/** `hijack exec -i CONTAINER cat` under GNU time, with `stdin` (a pipe to feed, or an open file). */
function catUnderTime(t: Test, host: string, container: string, stdin: 'pipe' | number | 'ignore') {
  const rssFile = join(tempDir(t, 'hj-rss-'), 'rss')
  // GNU time reports the child's peak RSS (KiB) after it exits.
  const child = spawn(...userCommand('/usr/bin/time', ['-f', '%M', '-o', rssFile, process.execPath, HIJACK_BIN, 'exec', '-i', '-H', host, container, 'cat']),
    {env: childEnv(), stdio: [stdin, 'pipe', 'inherit']})
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve))
  const result = async (): Promise<{code: number | null; peakKiB: number}> => {
    const code = await closed
    return {code, peakKiB: Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop())}
  }
  return {child, result}
}

/**
 * Runs `hijack exec -i CONTAINER cat` with empty input, then with `stdin`, and checks that `size` bytes
 * with `digest` came back and that the peak RSS grew less than the bound over the empty run's.
 */
async function catThrough(t: Test, host: string, container: string, stdin: 'pipe' | number, size: number,
  digest: Promise<string>, feed?: (stdin: Writable) => void): Promise<void> {
  const empty = await catUnderTime(t, host, container, 'ignore').result()
  t.equal(empty.code, 0, 'the same command with empty input')
  const {child, result} = catUnderTime(t, host, container, stdin)
  if (feed && child.stdin) feed(child.stdin)
  const outHash = createHash('sha256')
  let outBytes = 0
  child.stdout!.on('data', (chunk: Buffer) => {
    outHash.update(chunk)
    outBytes += chunk.length
  })
  const {code, peakKiB} = await result()
  t.equal(code, 0)
  t.equal(outBytes, size, 'every byte came back')
  t.equal(outHash.digest('hex'), await digest, 'in order, unchanged')
  const growthMiB = (peakKiB - empty.peakKiB) / 1024
  t.ok(empty.peakKiB > 0 && peakKiB > 0 && growthMiB < GROWTH_BOUND_MIB,
    `peak RSS ${(peakKiB / 1024).toFixed(1)} MiB, ${growthMiB.toFixed(1)} MiB over empty input's ${(empty.peakKiB / 1024).toFixed(1)} (bound ${GROWTH_BOUND_MIB})`)
}

// Podman's conmon relays only ~6-12 MB/s on these machines (dockerd and the mock: far more), so podman gets
// smaller streams that fit tap's 300 s per file (~1 min there). They are still several times the bound: a
// client that read its stdin faster than the slow daemon takes it, or kept output, would exceed it.
const SIZES: Record<Target['name'], {pipe: number; file: number}> = {
  mock: {pipe: GiB, file: 512 * MiB},
  dockerd: {pipe: GiB, file: 512 * MiB},
  podman: {pipe: 256 * MiB, file: 128 * MiB},
}

const size = (bytes: number): string => bytes >= GiB ? `${bytes / GiB} GiB` : `${bytes / MiB} MiB`

for (const [name, start] of TARGETS) {
  const {pipe, file: fileSize} = SIZES[name]
  // One daemon for both cases (a real one takes 10-30 s to start here).
  t.test(`memory on ${name}`, async (t) => {
    const target = await start(t, [
      {name: 'membox', cmd: ['sleep', '1000000'], openStdin: true},
      {name: 'filebox', cmd: ['sleep', '1000000'], openStdin: true},
    ])
    if (!target) return

    t.test(`${size(pipe)} through exec -i cat on ${name}: bytes intact, peak RSS < ${GROWTH_BOUND_MIB} MiB over empty input's`, async (t) => {
      const input = payload(pipe)
      await catThrough(t, target.host, 'membox', 'pipe', pipe, input.digest, (stdin) => input.stream.pipe(stdin))
    })

    t.test(`${size(fileSize)} from a stdin file through exec -i cat on ${name}: bytes intact, peak RSS < ${GROWTH_BOUND_MIB} MiB over empty input's`, async (t) => {
      const file = join(tempDir(t, 'hj-in-'), 'input')
      const input = payload(fileSize)
      await new Promise((resolve, reject) => input.stream.pipe(createWriteStream(file)).on('finish', resolve).on('error', reject))
      const stdin = openSync(file, 'r')
      t.teardown(() => closeSync(stdin)) // the child has its own copy once spawned
      await catThrough(t, target.host, 'filebox', stdin, fileSize, input.digest)
    })
  })
}
