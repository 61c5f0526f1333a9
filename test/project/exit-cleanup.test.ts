// A test file that tap kills at its timeout (SIGALRM) still removes its temp folders and the process
// groups it started: the helpers' exit hooks run on the signal.
import {spawn} from 'node:child_process'
import {existsSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import t from 'tap'
import {tempDir} from '../helpers/temp.js'

const HELPER = fileURLToPath(new URL('../helpers/exit-cleanup.ts', import.meta.url))
const TS_LOADER = fileURLToPath(new URL('../../node_modules/@tapjs/typescript/dist/esm/import.mjs', import.meta.url))

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

for (const signal of ['SIGALRM', 'SIGTERM'] as const) {
  t.test(`${signal}: temp folders removed, detached process groups killed`, async (t) => {
    const dir = tempDir(t, 'hj-cleanup-')
    const script = join(dir, 'victim.mts') // .mts: ESM outside this package's "type": "module"
    writeFileSync(script, `
      import {spawn} from 'node:child_process'
      import {mkdtempSync} from 'node:fs'
      import {removeAtExit} from ${JSON.stringify(HELPER)}
      const folder = mkdtempSync(${JSON.stringify(join(tmpdir(), 'hj-victim-'))})
      removeAtExit(folder)
      // A detached group with a grandchild in it, as the mock's process runtime starts containers.
      const group = spawn('sh', ['-c', 'sleep 1000 & echo $!; wait'], {detached: true, stdio: ['ignore', 'pipe', 'ignore']})
      group.stdout.once('data', (pid) => console.log(JSON.stringify({folder, leader: group.pid, member: Number(String(pid).trim())})))
      setInterval(() => {}, 1000)
    `)
    const child = spawn(process.execPath, [`--import=${TS_LOADER}`, script], {stdio: ['ignore', 'pipe', 'inherit'], env: {...process.env, TS_NODE_TRANSPILE_ONLY: '1', NODE_OPTIONS: ''}})
    const line = await new Promise<string>((resolve) => child.stdout.once('data', (c: Buffer) => resolve(c.toString())))
    const {folder, leader, member} = JSON.parse(line) as {folder: string; leader: number; member: number}
    t.ok(existsSync(folder) && alive(leader) && alive(member), 'all there before the signal')
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)))
    child.kill(signal)
    t.equal(await exited, signal, 'the process still dies of the signal')
    for (let i = 0; i < 200 && (alive(leader) || alive(member)); i++) await new Promise((resolve) => setTimeout(resolve, 10))
    t.notOk(existsSync(folder), 'temp folder removed')
    t.notOk(alive(leader), 'group leader killed')
    t.notOk(alive(member), 'group member killed')
  })
}
