// spawnTied: a child that ends with this process, even when this process is SIGKILLed.
import {spawn} from 'node:child_process'
import {once} from 'node:events'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import t from 'tap'
import {spawnTied} from '../../src/transport/tied-child.js'

/** Whether `pid` is a live (not zombie) process running `comm`. */
function alive(pid: number, comm: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const close = stat.lastIndexOf(')')
    return stat.slice(stat.indexOf('(') + 1, close) === comm && stat[close + 2] !== 'Z'
  } catch {
    return false
  }
}

t.test('the command runs as itself: its output, its exit code, its own pid, and a close that comes', async (t) => {
  const child = spawnTied('sh', ['-c', 'echo "out $$"; echo err >&2; exit 3'])
  let out = ''
  let err = ''
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk))
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk))
  const [code] = await once(child, 'close')
  t.equal(code, 3)
  t.equal(out, `out ${child.pid}\n`, 'exec: the command has the pid we were given')
  t.equal(err, 'err\n', 'the watchdog writes nothing of its own')
})

t.test('stdin reaches the command and its EOF ends it', async (t) => {
  const child = spawnTied('cat', [])
  let out = ''
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk))
  child.stdin!.end('through cat')
  const [code] = await once(child, 'close')
  t.equal(code, 0)
  t.equal(out, 'through cat')
})

t.test('a command that is not installed: exit 127 and a plain message', async (t) => {
  const child = spawnTied('no-such-command-hj', ['x'])
  let err = ''
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk))
  const [code] = await once(child, 'close')
  t.equal(code, 127)
  t.equal(err, 'no-such-command-hj is not installed (not found in PATH)\n')
})

t.test('SIGKILL of the parent ends the command', async (t) => {
  // The parent is a separate node process running the built module (`npm test` builds first).
  const script = join(mkdtempSync('/tmp/hj-tied-'), 'parent.mjs')
  t.teardown(() => rmSync(dirname(script), {recursive: true, force: true}))
  const built = JSON.stringify(fileURLToPath(new URL('../../dist/transport/tied-child.js', import.meta.url)))
  writeFileSync(script, `
    import {spawnTied} from ${built}
    const child = spawnTied('sleep', ['300'])
    process.stdout.write(String(child.pid) + '\\n')
  `)
  const parent = spawn(process.execPath, [script], {stdio: ['ignore', 'pipe', 'inherit']})
  const [line] = (await once(parent.stdout, 'data')) as [Buffer]
  const pid = Number(line.toString().trim())
  t.teardown(() => {
    if (alive(pid, 'sleep')) process.kill(pid, 'SIGKILL')
  })
  // Wait for the exec (until then the pid is sh's).
  for (let i = 0; i < 200 && !alive(pid, 'sleep'); i++) await new Promise((resolve) => setTimeout(resolve, 25))
  t.ok(alive(pid, 'sleep'), 'sleep runs under its tied parent')
  parent.kill('SIGKILL')
  await once(parent, 'close')
  // A hang guard, not a speed check: unended, sleep would run 300 s.
  for (let i = 0; i < 400 && alive(pid, 'sleep'); i++) await new Promise((resolve) => setTimeout(resolve, 25))
  t.notOk(alive(pid, 'sleep'), 'sleep ended with its SIGKILLed parent')
})
