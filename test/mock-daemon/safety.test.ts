// The mock daemon under misuse: clients vanishing mid-session, malformed and oversized requests, and the
// `hijack mock-daemon` command as a real child process (start line, 0600 socket, listen refusal, signals,
// cleanup of every process it started, --log, --fault, --config errors).
import {type ChildProcess, spawn} from 'node:child_process'
import {once} from 'node:events'
import {existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {connect} from 'node:net'
import {join} from 'node:path'
import t from 'tap'
import {startMockDaemon, type MockDaemon} from '../../src/mock-daemon/index.js'
import {childEnv, HIJACK_BIN, runCommand, userCommand} from '../helpers/cli.js'
import {call, createExec, demux, postHead, rawHijack} from '../helpers/mock-daemon-client.js'

const dir = mkdtempSync('/tmp/hjs-')
t.teardown(() => rmSync(dir, {recursive: true, force: true}))

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Dead: no /proc entry, or a zombie nobody has reaped yet (it runs nothing any more). */
function isGone(pid: number): boolean {
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return true
  }
  return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')
}

/** Polls until the process is gone; false if it is still there after `ms` (a generous bound, not a timing check). */
async function waitGone(pid: number, ms = 10_000): Promise<boolean> {
  const deadline = Date.now() + ms
  while (!isGone(pid)) {
    if (Date.now() > deadline) return false
    await sleep(20)
  }
  return true
}

/** Polls exec inspect until it has exited; throws if it still runs after `ms` (a bound, not a timing check). */
async function waitExecDone(sock: string, id: string, ms = 20_000) {
  const deadline = Date.now() + ms
  for (;;) {
    const info = (await call(sock, 'GET', `/exec/${id}/json`)).json()
    if (!info.Running) return info
    if (Date.now() > deadline) throw new Error(`exec ${id} still running after ${ms} ms`)
    await sleep(10)
  }
}

t.test('in-process daemon', async (t) => {
  const sock = join(dir, 'd.sock')
  const daemon: MockDaemon = await startMockDaemon({
    socket: sock,
    limits: {maxBodySize: 64 * 1024, maxHeaderSize: 4096},
    config: {
      containers: [
        {name: 'box', cmd: ['sleep', '1000']},
        {name: 'bi', runtime: 'builtin', cmd: ['sleep', '1000']},
        {name: 'ticker', cmd: ['sh', '-c', 'while :; do echo tick; sleep 0.02; done']},
      ],
    },
  })
  t.teardown(() => daemon.close())
  const exec = async (container: string, cmd: string[], stdin = false) => {
    const id = await createExec(sock, container, {Cmd: cmd, AttachStdin: stdin})
    const h = await rawHijack(sock, [postHead(`/exec/${id}/start`, '{}') + '{}'])
    return {id, h}
  }

  t.test('a vanished exec client: its process is killed, nothing else', async (t) => {
    const mainPid = daemon.container('box')!.pid
    // A keeps printing, so the vanish is noticed at its next write.
    const a = await exec('box', ['sh', '-c', 'while :; do echo tick; sleep 0.02; done'])
    const b = await exec('box', ['cat'], true)
    await a.h.waitFor('tick')
    const aPid = (await call(sock, 'GET', `/exec/${a.id}/json`)).json().Pid
    a.h.socket.destroy()
    const info = await waitExecDone(sock, a.id)
    t.equal(info.ExitCode, 137, 'killed by SIGKILL')
    t.ok(await waitGone(aPid), 'the exec process is gone')

    b.h.socket.write('still here\n')
    await b.h.waitFor('still here\n')
    b.h.socket.end()
    t.equal((await demux(await b.h.rest)).stdout, 'still here\n', 'the other exec on the same container kept working')
    t.equal((await waitExecDone(sock, b.id)).ExitCode, 0)
    t.notOk(isGone(mainPid), 'the main process runs on')
    t.equal((await call(sock, 'GET', '/containers/box/json')).json().State.Running, true)
  })

  t.test('a vanished exec client also takes its background children (process group)', async (t) => {
    const a = await exec('box', ['sh', '-c', 'sleep 1000 & echo "bg=$!;"; while :; do echo tick; sleep 0.02; done'])
    await a.h.waitFor(';')
    a.h.socket.destroy()
    const raw = (await a.h.rest).toString('latin1')
    const bgPid = Number(/bg=(\d+);/.exec(raw)?.[1])
    t.ok(bgPid > 0, 'the background pid was printed')
    t.equal((await waitExecDone(sock, a.id)).ExitCode, 137)
    t.ok(await waitGone(bgPid), 'the background sleep is gone too')
  })

  t.test('builtin runtime: a vanished client ends its program only', async (t) => {
    const a = await exec('bi', ['yes', 'spam'])
    const b = await exec('bi', ['cat'], true)
    await a.h.waitFor('spam')
    a.h.socket.destroy()
    t.equal((await waitExecDone(sock, a.id)).ExitCode, 137)
    b.h.socket.end('builtin still here\n')
    t.equal((await demux(await b.h.rest)).stdout, 'builtin still here\n')
    t.equal((await waitExecDone(sock, b.id)).ExitCode, 0)
    t.equal((await call(sock, 'GET', '/containers/bi/json')).json().State.Running, true)
  })

  t.test('a vanished attach client: the container keeps running and other clients keep receiving', async (t) => {
    const head = 'POST /containers/ticker/attach?stream=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n'
    const a = await rawHijack(sock, [head])
    await a.waitFor('tick')
    a.socket.destroy()
    const b = await rawHijack(sock, [head])
    await b.waitFor('tick\n')
    const before = (await call(sock, 'GET', '/containers/ticker/json')).json().State
    t.equal(before.Running, true)
    t.notOk(isGone(before.Pid))
    b.socket.destroy()
  })

  t.test('malformed requests get 400 (431, 501) and the daemon keeps serving, sessions included', async (t) => {
    // A live session through the whole barrage.
    const live = await exec('box', ['sh', '-c', 'while :; do echo alive; sleep 0.02; done'])
    await live.h.waitFor('alive')

    const raw = async (bytes: string | Buffer, endAfter = false): Promise<string> => {
      const socket = connect(sock)
      const chunks: Buffer[] = []
      socket.on('data', (c) => chunks.push(c))
      socket.on('error', () => {})
      if (endAfter) socket.end(bytes)
      else socket.write(bytes)
      await once(socket, 'close')
      return Buffer.concat(chunks).toString('latin1')
    }
    const cases: [string, string | Buffer, RegExp][] = [
      ['garbage', 'GARBAGE\r\n\r\n', /^HTTP\/1\.1 400 .*"message":"malformed HTTP request line"/s],
      ['no HTTP version', 'GET /_ping\r\n\r\n', /^HTTP\/1\.1 400 /],
      ['lower-case method', 'get /_ping HTTP/1.1\r\n\r\n', /^HTTP\/1\.1 400 /],
      ['HTTP/2.0', 'GET /_ping HTTP/2.0\r\n\r\n', /^HTTP\/1\.1 400 /],
      ['header without a colon', 'GET /_ping HTTP/1.1\r\nNoColonHere\r\n\r\n', /^HTTP\/1\.1 400 .*malformed HTTP header/s],
      ['bad Content-Length', 'POST /containers/create HTTP/1.1\r\nContent-Length: abc\r\n\r\n', /^HTTP\/1\.1 400 .*invalid Content-Length/s],
      ['two Content-Lengths', 'POST /containers/create HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n', /^HTTP\/1\.1 400 /],
      ['unknown Transfer-Encoding', 'POST /containers/create HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n', /^HTTP\/1\.1 501 /],
      ['header too large', `GET /_ping HTTP/1.1\r\nX-Big: ${'x'.repeat(8192)}\r\n\r\n`, /^HTTP\/1\.1 431 /],
      ['binary junk', Buffer.concat([Buffer.from([0, 1, 2, 255, 254, 10, 13]), Buffer.from('\r\n\r\n')]), /^HTTP\/1\.1 400 /],
      ['oversized body (declared)', 'POST /containers/create HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n', /^HTTP\/1\.1 413 .*too large/s],
      ['oversized body (chunked)', `POST /containers/create HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n${'8000\r\n' + 'x'.repeat(0x8000) + '\r\n'}${'8000\r\n' + 'x'.repeat(0x8000) + '\r\n'}${'10\r\n' + 'x'.repeat(16) + '\r\n'}0\r\n\r\n`, /^HTTP\/1\.1 413 /],
      ['bad chunk size', 'POST /containers/create HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', /^HTTP\/1\.1 400 .*malformed chunked body/s],
    ]
    for (const [name, bytes, expected] of cases) t.match(await raw(bytes), expected, name)
    t.match(await raw('GET /_ping HTT', true), /^HTTP\/1\.1 400 /, 'closed inside the head')

    t.equal((await call(sock, 'GET', '/_ping')).status, 200, 'ping still answers')
    t.ok(await countUntil(live.h.socket, 3) >= 3, 'the live session still streams')
    live.h.socket.destroy()
  })

  t.test('bad JSON bodies: 400 with a message, the connection stays usable', async (t) => {
    const cases: [string, string, string, RegExp][] = [
      ['POST', '/containers/create', '{"Image":', /invalid JSON/],
      ['POST', '/containers/create', '"just a string"', /Config cannot be empty/],
      ['POST', '/containers/create', '{"Image":"x","Cmd":["true"],"Labels":[1]}', /Labels/],
      ['POST', '/containers/create', '{"Image":"x","Cmd":[1,2]}', /Cmd must be/],
      ['POST', '/containers/box/exec', '[1,2', /invalid JSON/],
      ['POST', '/containers/box/exec', '{"Cmd":"true","Env":"A=1"}', /Env must be/],
    ]
    for (const [method, path, body, message] of cases) {
      const reply = await call(sock, method, path, body)
      t.equal(reply.status, 400, `${path} ${body}`)
      t.match(reply.json().message, message)
    }
    const filters = await call(sock, 'GET', `/containers/json?filters=${encodeURIComponent('{bad')}`)
    t.equal(filters.status, 400)

    // An exec whose start had a bad body is still startable.
    const id = await createExec(sock, 'box', {Cmd: ['echo', 'fine']})
    t.equal((await call(sock, 'POST', `/exec/${id}/start`, '{nope')).status, 400)
    const h = await rawHijack(sock, [postHead(`/exec/${id}/start`, '{}') + '{}'])
    t.equal((await demux(await h.rest)).stdout, 'fine\n')

    // Pipelined on one connection: the bad request is answered, then the next one is served.
    const bad = '{"Image":'
    const pipelined = await rawHijack(sock, [
      `POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${bad.length}\r\n\r\n${bad}` +
        'GET /_ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    ])
    t.equal(pipelined.status, 400)
    t.match((await pipelined.rest).toString(), /HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nOK$/, 'then the ping on the same connection')
  })
})

/** Counts `alive` lines arriving from now on, until `n` were seen. */
function countUntil(socket: import('node:net').Socket, n: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let count = 0
    const onData = (c: Buffer) => {
      count += c.toString('latin1').split('alive').length - 1
      if (count >= n) {
        socket.off('data', onData)
        resolve(count)
      }
    }
    socket.on('data', onData)
    socket.once('close', () => reject(new Error(`stream closed after ${count} lines`)))
  })
}

// ---- `hijack mock-daemon` as a child process ------------------------------------------------------

interface DaemonChild {
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  exited: Promise<number | null>
}

function spawnDaemon(args: string[]): DaemonChild {
  const child = spawn(...userCommand(process.execPath, [HIJACK_BIN, 'mock-daemon', ...args]), {env: childEnv(), stdio: ['ignore', 'pipe', 'pipe']})
  let out = ''
  let err = ''
  child.stdout!.on('data', (c) => {
    out += c
  })
  child.stderr!.on('data', (c) => {
    err += c
  })
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  return {child, stdout: () => out, stderr: () => err, exited}
}

async function waitListening(d: DaemonChild): Promise<string> {
  while (!d.stdout().includes('\n')) {
    if (d.child.exitCode !== null) throw new Error(`exited early: ${d.stderr()}`)
    await sleep(10)
  }
  return d.stdout()
}

t.test('hijack mock-daemon command', async (t) => {
  t.ok(existsSync(HIJACK_BIN.replace(/bin\/run\.js$/, 'dist/commands/mock-daemon.js')), 'built (npm run build)')

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    t.test(`${signal}: exit 0, socket removed, every process it started is gone; --log lines`, async (t) => {
      const sock = join(dir, `${signal}.sock`)
      const config = join(dir, `${signal}.json`)
      const pidFile = join(dir, `${signal}.pid`)
      writeFileSync(config, JSON.stringify({
        containers: [
          {name: 'main', cmd: ['sh', '-c', `echo $$ > ${pidFile}; exec sleep 1000`]},
          {name: 'bi', runtime: 'builtin', cmd: ['sleep', '1000']},
        ],
      }))
      const d = spawnDaemon(['--socket', sock, '--config', config, '--log'])
      t.equal(await waitListening(d), `hijack mock-daemon listening on unix://${sock}\n`)
      t.equal(statSync(sock).mode & 0o777, 0o600, 'socket mode 0600')

      t.equal((await call(sock, 'GET', '/_ping')).status, 200)
      t.equal((await call(sock, 'GET', '/v1.47/containers/nosuch/json')).status, 404)
      // A detached exec and a live hijacked one: both are processes the daemon must end.
      const detached = await createExec(sock, 'main', {Cmd: ['sleep', '1000'], AttachStdout: false, AttachStderr: false})
      t.equal((await call(sock, 'POST', `/exec/${detached}/start`, {Detach: true})).status, 200)
      const live = await createExec(sock, 'main', {Cmd: ['sh', '-c', 'echo "pid=$$;"; exec sleep 1000']})
      const h = await rawHijack(sock, [postHead(`/exec/${live}/start`, '{}') + '{}'])
      await h.waitFor(';')
      const pids = {
        main: Number(readFileSync(pidFile, 'utf8').trim()),
        detached: (await call(sock, 'GET', `/exec/${detached}/json`)).json().Pid as number,
        live: (await call(sock, 'GET', `/exec/${live}/json`)).json().Pid as number,
      }
      for (const [name, pid] of Object.entries(pids)) t.notOk(isGone(pid), `${name} runs before the signal`)

      d.child.kill(signal)
      t.equal(await d.exited, 0, 'exit 0')
      t.notOk(existsSync(sock), 'socket removed')
      for (const [name, pid] of Object.entries(pids)) t.ok(await waitGone(pid), `${name} (pid ${pid}) is gone`)
      await h.rest // the session was ended

      const log = d.stderr().split('\n').filter(Boolean)
      t.match(log[0], /^GET \/_ping 200 \d+\.\dms$/, 'method, path, status, duration')
      t.match(log[1], /^GET \/v1\.47\/containers\/nosuch\/json 404 \d+\.\dms$/)
      t.match(log[2], /^POST \/v1\.47\/containers\/main\/exec 201 /)
      t.match(log[3], /^POST \/exec\/[0-9a-f]{64}\/start 200 /)
      t.ok(log.some((l) => /^POST \/exec\/[0-9a-f]{64}\/start 101 /.test(l)), 'the hijacked start is logged at its 101')
      t.ok(log.every((l) => /^(GET|POST|HEAD|DELETE) \S+ \d{3} \d+\.\dms$/.test(l)), 'nothing but request lines')
    })
  }

  t.test('--listen on a non-loopback address is refused without --unsafe-listen', async (t) => {
    const r = await runCommand(process.execPath, [HIJACK_BIN, 'mock-daemon', '--listen', 'tcp://0.0.0.0:0'])
    t.not(r.code, 0)
    t.equal(r.stdout.toString(), '', 'never listened')
    t.match(r.stderr.toString(), /refusing to listen on 0\.0\.0\.0: .*--unsafe-listen/)
  })

  t.test('neither --socket nor --listen: a clear error', async (t) => {
    const r = await runCommand(process.execPath, [HIJACK_BIN, 'mock-daemon'])
    t.equal(r.code, 2)
    t.match(r.stderr.toString(), /give --socket PATH or --listen/)
  })

  t.test('--fault applies daemon-wide; a container\'s own setting wins', async (t) => {
    const sock = join(dir, 'fault.sock')
    const config = join(dir, 'fault.json')
    writeFileSync(config, JSON.stringify({
      containers: [
        {name: 'plain', cmd: ['sleep', '1000']},
        {name: 'own', cmd: ['sleep', '1000'], faults: {noUpgrade: false}},
      ],
    }))
    const d = spawnDaemon(['--socket', sock, '--config', config, '--fault', 'noUpgrade', '--fault', 'startError=503:maintenance window'])
    t.teardown(() => {
      d.child.kill('SIGTERM')
    })
    await waitListening(d)
    const refused = await rawHijack(sock, [postHead(`/exec/${await createExec(sock, 'plain', {Cmd: ['true']})}/start`, '{}') + '{}'])
    t.equal(refused.status, 503)
    t.same(JSON.parse(await refused.body()), {message: 'maintenance window'})
    refused.socket.destroy()
    const attach = await rawHijack(sock, ['POST /containers/own/attach?stream=1&stdout=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n'])
    t.equal(attach.status, 503, 'startError reaches attach too')
    attach.socket.destroy()
    d.child.kill('SIGTERM')
    t.equal(await d.exited, 0)

    // noUpgrade alone: 200 instead of 101 where the container does not override it.
    const d2 = spawnDaemon(['--socket', sock, '--config', config, '--fault', 'noUpgrade=true'])
    await waitListening(d2)
    const plain = await rawHijack(sock, [postHead(`/exec/${await createExec(sock, 'plain', {Cmd: ['echo', 'x']})}/start`, '{}') + '{}'])
    t.equal(plain.status, 200, 'the daemon-wide fault')
    const own = await rawHijack(sock, [postHead(`/exec/${await createExec(sock, 'own', {Cmd: ['echo', 'x']})}/start`, '{}') + '{}'])
    t.equal(own.status, 101, 'the container\'s own noUpgrade=false wins')
    await Promise.all([plain.rest, own.rest])
    d2.child.kill('SIGTERM')
    t.equal(await d2.exited, 0)
  })

  t.test('a bad --fault fails at startup, before listening', async (t) => {
    const sock = join(dir, 'badfault.sock')
    const unknown = await runCommand(process.execPath, [HIJACK_BIN, 'mock-daemon', '--socket', sock, '--fault', 'nope=1'])
    t.equal(unknown.code, 2)
    t.match(unknown.stderr.toString(), /unknown fault "nope" \(known: coalesceHead, splitWrites, /)
    const badValue = await runCommand(process.execPath, [HIJACK_BIN, 'mock-daemon', '--socket', sock, '--fault', 'splitWrites=0'])
    t.equal(badValue.code, 2)
    t.match(badValue.stderr.toString(), /splitWrites: expected an integer >= 1, got "0"/)
    t.notOk(existsSync(sock), 'no socket left behind')
  })

  t.test('a bad --config fails clearly', async (t) => {
    const sock = join(dir, 'badcfg.sock')
    const files: [string, string | undefined, RegExp][] = [
      ['missing.json', undefined, /cannot read config .*missing\.json: ENOENT/],
      ['broken.json', '{"containers": [', /config .*broken\.json is not valid JSON/],
      ['unknown-key.json', '{"containers": [{"name": "x", "cmd": ["true"], "cmdd": 1}]}', /unknown-key\.json: containers\[0\]: unknown key "cmdd"/],
      ['no-cmd.json', '{"containers": [{"name": "x"}]}', /container "x"\.cmd: expected a non-empty array of strings/],
      ['bad-runtime.json', '{"defaultRuntime": "vm"}', /config\.defaultRuntime: expected "process" or "builtin"/],
      ['bad-fault.json', '{"containers": [{"name": "x", "cmd": ["true"], "faults": {"stallMs": -1}}]}', /fault stallMs: expected an integer >= 0/],
    ]
    for (const [name, text, message] of files) {
      const file = join(dir, name)
      if (text !== undefined) writeFileSync(file, text)
      const r = await runCommand(process.execPath, [HIJACK_BIN, 'mock-daemon', '--socket', sock, '--config', file])
      t.equal(r.code, 2, name)
      t.match(r.stderr.toString(), message, name)
      t.equal(r.stdout.toString(), '', `${name}: never listened`)
    }
    t.notOk(existsSync(sock))
  })
})
