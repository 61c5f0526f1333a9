// scripts/swarm.sh's failure paths, without starting a daemon: a failed `up` removes what it made,
// `down` is safe on nothing and twice, and a folder that is not a swarm's is never touched.
import {createHash} from 'node:crypto'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import t from 'tap'
import {runCommand} from '../helpers/cli.js'
import {rootNetworkState, swarmScript} from '../helpers/swarm.js'

const canRun = process.platform === 'linux' && process.getuid?.() === 0
if (!canRun) {
  if (process.env.CI === 'true') t.fail('scripts/swarm.sh needs Linux and root')
  else t.comment('SKIP swarm.sh: needs Linux and root')
} else {
  const netnsWith = async (tag: string): Promise<string[]> =>
    (await runCommand('ip', ['netns', 'list'])).stdout.toString().split('\n').filter((l) => l.includes(tag))

  t.test('an up that fails after making its namespaces removes them, and its folder', async (t) => {
    const before = await rootNetworkState()
    // A folder so long that the nodes' socket paths cannot fit: up fails once the network exists.
    const base = mkdtempSync('/tmp/hjsw-')
    t.teardown(() => rmSync(base, {recursive: true, force: true}))
    const dir = join(base, 'x'.repeat(80))
    const up = await swarmScript('up', dir)
    t.equal(up.code, 1, 'up fails')
    t.match(up.stderr.toString(), /FAILED: socket path too long/)
    t.match(up.stderr.toString(), /cleaning up after the failed up/)
    t.notOk(existsSync(dir), 'the folder is gone')
    // the script names its namespaces after the first 8 hex digits of sha256(DIR)
    const tag = `hjsw-${createHash('sha256').update(dir).digest('hex').slice(0, 8)}-`
    t.match(up.stderr.toString(), `namespaces ${tag}hub,`, 'it had made its namespaces')
    t.strictSame(await netnsWith(tag), [], 'no namespace of this swarm is left')
    const after = await rootNetworkState()
    t.strictSame(after.filter((l) => !before.includes(l)), [], 'the root namespace gained nothing')
    const down = await swarmScript('down', dir)
    t.equal(down.code, 0, 'down after a failed up exits 0')
  })

  t.test('down on a folder that never held a swarm, twice', async (t) => {
    const dir = mkdtempSync('/tmp/hjsw-')
    t.teardown(() => rmSync(dir, {recursive: true, force: true}))
    for (const round of [1, 2]) {
      const r = await swarmScript('down', dir)
      t.equal(r.code, 0, `down #${round} exits 0`)
    }
    t.notOk(existsSync(dir), 'an empty folder is removed')
  })

  t.test('a folder with other files is neither used by up nor removed by down', async (t) => {
    const dir = mkdtempSync('/tmp/hjsw-')
    t.teardown(() => rmSync(dir, {recursive: true, force: true}))
    writeFileSync(join(dir, 'precious.txt'), 'keep me')
    mkdirSync(join(dir, 'sub'))
    const up = await swarmScript('up', dir)
    t.equal(up.code, 1)
    t.match(up.stderr.toString(), /is not a swarm folder: refusing to use it/)
    const down = await swarmScript('down', dir)
    t.equal(down.code, 0)
    t.match(down.stderr.toString(), /not removing/)
    t.equal(readFileSync(join(dir, 'precious.txt'), 'utf8'), 'keep me')
  })
}
