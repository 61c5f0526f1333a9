// The real Docker CLI (docker on PATH) against the mock daemon, and the `hijack mock-daemon` command.
// Without a docker binary the CLI part is skipped visibly (a failure when CI=true).
import {spawn, spawnSync} from 'node:child_process'
import {createHash, randomBytes} from 'node:crypto'
import {existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import t from 'tap'
import {startMockDaemon, type MockDaemon} from '../../src/mock-daemon/index.js'

const dir = mkdtempSync('/tmp/hjc-')
const sock = join(dir, 'd.sock')
const gate = join(dir, 'go')
const dockerConfig = join(dir, 'docker-config')
mkdirSync(dockerConfig)
const hasDocker = spawnSync('docker', ['--version']).status === 0
let daemon: MockDaemon

interface Run {
  code: number | null
  stdout: Buffer
  stderr: string
}

function run(cmd: string, args: string[], input?: Buffer | string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      // Only what the CLI needs: no user config, no DOCKER_HOST/DOCKER_CONTEXT from the environment.
      env: {PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, DOCKER_CONFIG: dockerConfig, ...env},
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    const out: Buffer[] = []
    let err = ''
    child.stdout.on('data', (c: Buffer) => out.push(c))
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString()
    })
    child.stdin.on('error', () => {})
    child.on('error', reject)
    child.on('close', (code) => resolve({code, stdout: Buffer.concat(out), stderr: err}))
    child.stdin.end(input)
  })
}

const docker = (args: string[], input?: Buffer | string) => run('docker', ['-H', `unix://${sock}`, ...args], input)

t.teardown(() => rmSync(dir, {recursive: true, force: true}))

t.test('docker CLI against the mock', {skip: !hasDocker && process.env.CI !== 'true' ? 'no docker CLI on PATH' : false}, async (t) => {
  daemon = await startMockDaemon({
    socket: sock,
    config: {
      containers: [
        {name: 'c', cmd: ['sleep', '1000']},
        {name: 'talker', cmd: ['sh', '-c', `while [ ! -e ${gate} ]; do sleep 0.02; done; echo one; echo two; exit 3`]},
      ],
    },
  })
  t.teardown(() => daemon.close())

  t.test('exec echo', async (t) => {
    const r = await docker(['exec', 'c', 'echo', 'hi'])
    t.equal(r.stdout.toString(), 'hi\n')
    t.equal(r.code, 0, r.stderr)
  })

  t.test('exec: stdout and stderr apart, exit 7', async (t) => {
    const r = await docker(['exec', 'c', 'sh', '-c', 'echo out; echo err >&2; exit 7'])
    t.equal(r.stdout.toString(), 'out\n')
    t.equal(r.stderr, 'err\n')
    t.equal(r.code, 7)
  })

  t.test('exec -e -w', async (t) => {
    const r = await docker(['exec', '-e', 'X=42', '-w', '/tmp', 'c', 'sh', '-c', 'echo $X; pwd'])
    t.equal(r.stdout.toString(), '42\n/tmp\n')
    t.equal(r.code, 0, r.stderr)
  })

  t.test('exec -i cat: 4 MiB of random stdin comes back intact', async (t) => {
    const input = randomBytes(4 * 1024 * 1024)
    const r = await docker(['exec', '-i', 'c', 'cat'], input)
    t.equal(r.code, 0, r.stderr)
    t.equal(r.stdout.length, input.length)
    t.equal(createHash('sha256').update(r.stdout).digest('hex'), createHash('sha256').update(input).digest('hex'))
  })

  t.test('exec of a missing binary: 127 and the runtime message', async (t) => {
    const r = await docker(['exec', 'c', 'nosuchbinary'])
    t.equal(r.code, 127)
    t.match(r.stdout.toString() + r.stderr, /executable file not found in \$PATH/)
  })

  t.test('exec in a missing container', async (t) => {
    const r = await docker(['exec', 'nosuch', 'true'])
    t.equal(r.code, 1)
    t.match(r.stderr, /No such container: nosuch/)
  })

  t.test('exec -d', async (t) => {
    const marker = join(dir, 'detached')
    const r = await docker(['exec', '-d', 'c', 'sh', '-c', `echo x > ${marker}`])
    t.equal(r.code, 0, r.stderr)
    t.equal(r.stdout.toString(), '')
    for (let i = 0; i < 500 && !existsSync(marker); i++) await new Promise((resolve) => setTimeout(resolve, 10))
    t.ok(existsSync(marker), 'the detached command ran')
  })

  t.test('exec -t under a pty: the command has a terminal', {skip: spawnSync('script', ['--version']).status === 0 ? false : 'no script(1)'}, async (t) => {
    const line = `docker -H unix://${sock} exec -t c sh -c 'tty; stty size'`
    const r = await run('script', ['-qec', line, '/dev/null'])
    t.equal(r.code, 0, r.stderr)
    t.match(r.stdout.toString(), /^\/dev\/pts\/\d+\r+\n\d+ \d+\r+\n/, 'a pty: its line discipline writes \\r\\n')
  })

  t.test('attach: output, then the exit code from wait', async (t) => {
    const attached = new Promise<void>((resolve) => daemon.events.once('attach', () => resolve()))
    const pending = docker(['attach', 'talker'])
    await attached
    writeFileSync(gate, '')
    const r = await pending
    t.equal(r.stdout.toString(), 'one\ntwo\n')
    t.equal(r.code, 3, r.stderr)
  })
})

t.test('hijack mock-daemon command: start line, 0600 socket, cleanup on SIGTERM', async (t) => {
  const root = fileURLToPath(new URL('../..', import.meta.url))
  const bin = join(root, 'bin', 'run.cjs')
  t.ok(existsSync(join(root, 'dist', 'commands', 'mock-daemon.js')), 'built (npm run build)')
  const cmdSock = join(dir, 'cmd.sock')
  const config = join(dir, 'cmd.json')
  const pidFile = join(dir, 'main.pid')
  writeFileSync(config, JSON.stringify({containers: [{name: 'x', cmd: ['sh', '-c', `echo $$ > ${pidFile}; exec sleep 1000`]}]}))
  const child = spawn(process.execPath, [bin, 'mock-daemon', '--socket', cmdSock, '--config', config, '--log'], {stdio: ['ignore', 'pipe', 'pipe']})
  let stdout = ''
  let stderr = ''
  child.stderr.on('data', (c) => {
    stderr += c
  })
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (c) => {
      stdout += c
      if (stdout.includes('\n')) resolve()
    })
    child.on('exit', () => reject(new Error(`exited early: ${stderr}`)))
  })
  t.equal(stdout, `hijack mock-daemon listening on unix://${cmdSock}\n`)
  t.equal(statSync(cmdSock).mode & 0o777, 0o600)
  while (!existsSync(pidFile)) await new Promise((resolve) => setTimeout(resolve, 10))
  const pid = Number(spawnSync('cat', [pidFile]).stdout.toString().trim())
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  child.kill('SIGTERM')
  t.equal(await exited, 0)
  t.notOk(existsSync(cmdSock), 'socket removed')
  t.throws(() => process.kill(pid, 0), 'the container process was killed')

  const bad = spawnSync(process.execPath, [bin, 'mock-daemon', '--listen', 'tcp://192.0.2.1:2375'], {encoding: 'utf8'})
  t.not(bad.status, 0)
  t.match(bad.stderr, /refusing to listen/)
  const badFault = spawnSync(process.execPath, [bin, 'mock-daemon', '--socket', join(dir, 'f.sock'), '--fault', 'nope=1'], {encoding: 'utf8'})
  t.not(badFault.status, 0)
  t.match(badFault.stderr, /unknown fault "nope"/)
})
