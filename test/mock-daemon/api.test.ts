// The mock daemon's Engine API, in-process, over a unix socket in a short temp dir.
import {once} from 'node:events'
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {connect} from 'node:net'
import {join} from 'node:path'
import t, {type Test} from 'tap'
import {startMockDaemon, type MockDaemon} from '../../src/mock-daemon/index.js'
import {call, createExec, demux, postHead, rawHijack} from '../helpers/mock-daemon-client.js'

const dir = mkdtempSync('/tmp/hjm-')
const sock = join(dir, 'd.sock')
const gate = join(dir, 'go')
let daemon: MockDaemon

t.before(async () => {
  daemon = await startMockDaemon({
    socket: sock,
    config: {
      containers: [
        {name: 'box', cmd: ['sleep', '1000'], env: ['FOO=bar'], labels: {role: 'test'}},
        {name: 'done', cmd: ['true']},
        {name: 'victim', cmd: ['sleep', '1000']},
        {name: 'once', cmd: ['cat'], openStdin: true, stdinOnce: true},
        {name: 'keep', cmd: ['cat'], openStdin: true},
        {name: 'bi', runtime: 'builtin', cmd: ['sleep', '1000']},
        {name: 'flood', cmd: ['yes', 'flood']},
        {name: 'biflood', runtime: 'builtin', cmd: ['yes', 'flood']},
        // Prints only once the test has attached its clients (the gate file appears).
        {name: 'talker', cmd: ['sh', '-c', `while [ ! -e ${gate} ]; do sleep 0.02; done; echo hello; echo oops >&2; exit 4`]},
      ],
    },
  })
})

t.teardown(async () => {
  await daemon?.close()
  rmSync(dir, {recursive: true, force: true})
})

t.test('socket is mode 0600 and the url names it', async (t) => {
  t.equal(statSync(sock).mode & 0o777, 0o600)
  t.equal(daemon.url, `unix://${sock}`)
})

t.test('ping: GET and HEAD', async (t) => {
  const get = await call(sock, 'GET', '/_ping')
  t.equal(get.status, 200)
  t.equal(get.body, 'OK')
  t.equal(get.headers['api-version'], '1.47')
  t.equal(get.headers['docker-experimental'], 'false')
  t.equal(get.headers.ostype, 'linux')
  const head = await call(sock, 'HEAD', '/_ping')
  t.equal(head.status, 200)
  t.equal(head.body, '')
  t.equal(head.headers['api-version'], '1.47')
  const versioned = await call(sock, 'GET', '/v1.41/_ping')
  t.equal(versioned.body, 'OK')
})

t.test('version, api version range, unknown route', async (t) => {
  const v = (await call(sock, 'GET', '/version')).json()
  t.equal(v.ApiVersion, '1.47')
  t.equal(v.MinAPIVersion, '1.24')
  const tooNew = await call(sock, 'GET', '/v1.99/version')
  t.equal(tooNew.status, 400)
  t.match(tooNew.json().message, /too new/)
  // dockerd's pattern is /v{version:[0-9.]+}/: these are versions too (checked on dockerd 20.10).
  const nine = await call(sock, 'GET', '/v9/_ping')
  t.same([nine.status, nine.json().message], [400, 'client version 9 is too new. Maximum supported API version is 1.47'])
  t.equal((await call(sock, 'GET', '/v1.9/_ping')).status, 400, 'too old')
  t.equal((await call(sock, 'GET', '/vx/_ping')).status, 404, 'not a version: no route')
  const missing = await call(sock, 'GET', '/v1.47/nothing/here')
  t.equal(missing.status, 404)
  t.same(missing.json(), {message: 'page not found'})
})

t.test('inspect by name, /name, id prefix and full id', async (t) => {
  const byName = await call(sock, 'GET', '/v1.47/containers/box/json')
  t.equal(byName.status, 200)
  const info = byName.json()
  t.match(info.Id, /^[0-9a-f]{64}$/)
  t.equal(info.Name, '/box')
  t.equal(info.State.Running, true)
  t.equal(info.State.Status, 'running')
  t.ok(info.State.Pid > 0)
  t.equal(info.HostConfig.NetworkMode, 'none')
  t.same(info.Config.Cmd, ['sleep', '1000'])
  t.ok(info.Config.Env.includes('FOO=bar'))
  t.same(info.Config.Labels, {role: 'test'})
  for (const ref of ['%2Fbox', info.Id.slice(0, 12), info.Id]) {
    const other = await call(sock, 'GET', `/containers/${ref}/json`)
    t.equal(other.json().Id, info.Id, `found by ${ref}`)
  }
  const none = await call(sock, 'GET', '/v1.47/containers/nosuch/json')
  t.equal(none.status, 404)
  t.same(none.json(), {message: 'No such container: nosuch'})
})

t.test('exec create: 404, 409 on a stopped container, 400 without Cmd', async (t) => {
  const wait = await call(sock, 'POST', '/v1.47/containers/done/wait')
  t.same(wait.json(), {StatusCode: 0, Error: null}, 'the short-lived container has exited')
  const done = (await call(sock, 'GET', '/containers/done/json')).json()
  t.equal(done.State.Status, 'exited')
  t.equal(done.State.Running, false)

  const missing = await call(sock, 'POST', '/v1.47/containers/nosuch/exec', {Cmd: ['true']})
  t.equal(missing.status, 404)
  t.same(missing.json(), {message: 'No such container: nosuch'})
  const stopped = await call(sock, 'POST', '/v1.47/containers/done/exec', {Cmd: ['true']})
  t.equal(stopped.status, 409)
  t.same(stopped.json(), {message: `container ${done.Id} is not running`})
  const noCmd = await call(sock, 'POST', '/v1.47/containers/box/exec', {AttachStdout: true})
  t.equal(noCmd.status, 400)
  t.match(noCmd.json().message, /No exec command/)
  const badJson = await call(sock, 'POST', '/v1.47/containers/box/exec', '{"Cmd": [')
  t.equal(badJson.status, 400)
})

t.test('exec start: body in a separate write, multiplexed output, exit code', async (t) => {
  const id = await createExec(sock, 'box', {Cmd: ['sh', '-c', 'echo out; echo err >&2; echo $FOO; exit 5']})
  const body = JSON.stringify({Detach: false, Tty: false})
  // The head alone first; the body only after a pause, so they cannot share a read.
  const h = await rawHijack(sock, [postHead(`/v1.47/exec/${id}/start`, body), body], 50)
  t.equal(h.status, 101)
  t.match(h.headText, /^HTTP\/1\.1 101 UPGRADED\r\n/)
  t.equal(h.headers['content-type'], 'application/vnd.docker.multiplexed-stream')
  t.equal(h.headers.connection, 'Upgrade')
  t.equal(h.headers.upgrade, 'tcp')
  const out = await demux(await h.rest)
  t.equal(out.error, undefined)
  t.equal(out.stdout, 'out\nbar\n')
  t.equal(out.stderr, 'err\n')
  const inspect = (await call(sock, 'GET', `/v1.47/exec/${id}/json`)).json()
  t.equal(inspect.ExitCode, 5, 'exit code recorded before the stream ended')
  t.equal(inspect.Running, false)
  t.same(inspect.ProcessConfig.arguments, ['-c', 'echo out; echo err >&2; echo $FOO; exit 5'])
  const again = await call(sock, 'POST', `/v1.47/exec/${id}/start`, {Detach: false})
  t.equal(again.status, 409)
})

t.test('exec start: stdin bytes sent with the head reach the process; half-close ends cat', async (t) => {
  const id = await createExec(sock, 'box', {Cmd: ['cat'], AttachStdin: true})
  const body = JSON.stringify({Detach: false, Tty: false})
  const h = await rawHijack(sock, [postHead(`/v1.47/exec/${id}/start`, body) + body + 'early '])
  const running = (await call(sock, 'GET', `/v1.47/exec/${id}/json`)).json()
  t.equal(running.Running, true)
  t.equal(running.ExitCode, null)
  t.ok(running.Pid > 0)
  h.socket.end('late\n') // half-close: cat sees EOF and exits
  const out = await demux(await h.rest)
  t.equal(out.stdout, 'early late\n')
  const inspect = (await call(sock, 'GET', `/v1.47/exec/${id}/json`)).json()
  t.equal(inspect.ExitCode, 0)
})

t.test('exec start without Upgrade headers: 200 and the stream on the same connection', async (t) => {
  const id = await createExec(sock, 'box', {Cmd: ['echo', 'plain']})
  const body = '{"Detach":false,"Tty":true}'
  const h = await rawHijack(sock, [postHead(`/exec/${id}/start`, body, false) + body])
  t.equal(h.status, 200)
  t.equal(h.headers['content-type'], 'application/vnd.docker.raw-stream')
  t.equal((await h.rest).toString(), 'plain\n', 'Tty true in the start body: raw output')
})

t.test('exec: missing binary gives a stream with the message and exit 127', async (t) => {
  const id = await createExec(sock, 'box', {Cmd: ['nosuchbinary-xyz']})
  const body = '{}'
  const h = await rawHijack(sock, [postHead(`/exec/${id}/start`, body) + body])
  const out = await demux(await h.rest)
  t.match(out.stdout, /exec: "nosuchbinary-xyz": executable file not found in \$PATH/)
  t.equal((await call(sock, 'GET', `/exec/${id}/json`)).json().ExitCode, 127)
})

t.test('builtin runtime: output that exists before anyone reads is not lost', async (t) => {
  const echo = await createExec(sock, 'bi', {Cmd: ['echo', 'a', 'b']})
  const h = await rawHijack(sock, [postHead(`/exec/${echo}/start`, '{}') + '{}'])
  t.equal((await demux(await h.rest)).stdout, 'a b\n')
  const cat = await createExec(sock, 'bi', {Cmd: ['cat'], AttachStdin: true})
  const c = await rawHijack(sock, [postHead(`/exec/${cat}/start`, '{}') + '{}' + 'in'])
  c.socket.end('put')
  t.equal((await demux(await c.rest)).stdout, 'input')
  t.equal((await call(sock, 'GET', `/exec/${cat}/json`)).json().ExitCode, 0)
})

t.test('exec -d: 200, runs in the background', async (t) => {
  const marker = join(dir, 'detached')
  const id = await createExec(sock, 'box', {Cmd: ['sh', '-c', `echo x > ${marker}`], AttachStdout: false, AttachStderr: false})
  const reply = await call(sock, 'POST', `/exec/${id}/start`, {Detach: true})
  t.equal(reply.status, 200)
  while ((await call(sock, 'GET', `/exec/${id}/json`)).json().Running) await new Promise((r) => setTimeout(r, 10))
  t.ok(existsSync(marker))
})

t.test('client vanishing mid-session kills that exec only', async (t) => {
  // A vanished peer looks like a half-close until the next write fails, so the process keeps writing.
  const id = await createExec(sock, 'box', {Cmd: ['sh', '-c', 'while :; do echo tick; sleep 0.02; done']})
  const h = await rawHijack(sock, [postHead(`/exec/${id}/start`, '{}') + '{}'])
  h.socket.destroy()
  let info
  while ((info = (await call(sock, 'GET', `/exec/${id}/json`)).json()).Running) await new Promise((r) => setTimeout(r, 10))
  t.equal(info.ExitCode, 137, 'killed by SIGKILL')
  t.equal((await call(sock, 'GET', '/containers/box/json')).json().State.Running, true, 'the container lives on')
})

t.test('attach: two clients see the output; wait gives the exit code', async (t) => {
  const waitReply = call(sock, 'POST', '/v1.47/containers/talker/wait')
  const attached = new Promise<void>((resolve) => {
    let n = 0
    daemon.events.on('attach', function onAttach(e) {
      if (e.container === 'talker' && ++n === 2) {
        daemon.events.off('attach', onAttach)
        resolve()
      }
    })
  })
  const path = '/v1.47/containers/talker/attach?stream=1&stdout=1&stderr=1'
  const head = `POST ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`
  const [a, b] = await Promise.all([rawHijack(sock, [head]), rawHijack(sock, [head])])
  await attached
  writeFileSync(gate, '')
  for (const h of [a, b]) {
    t.equal(h.status, 101)
    const out = await demux(await h.rest)
    t.equal(out.stdout, 'hello\n')
    t.equal(out.stderr, 'oops\n')
  }
  t.same((await waitReply).json(), {StatusCode: 4, Error: null})
  // A late client with logs=1 gets the replay, then the end (the container has stopped).
  const late = await rawHijack(sock, [`POST /containers/talker/attach?logs=1&stdout=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`])
  t.equal((await demux(await late.rest)).stdout, 'hello\n')
})

t.test('attach stdin: half-close ends the container\'s stdin only with StdinOnce, else this client\'s output (as dockerd)', async (t) => {
  const head = (name: string) => `POST /containers/${name}/attach?stream=1&stdin=1&stdout=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`
  const once = await rawHijack(sock, [head('once') + 'abc'])
  once.socket.end('def')
  t.equal((await demux(await once.rest)).stdout, 'abcdef', 'cat echoed stdin, then saw EOF and exited')
  t.equal((await call(sock, 'GET', '/containers/once/json')).json().State.Status, 'exited')

  const keep = await rawHijack(sock, [head('keep') + 'xyz'])
  await keep.waitFor('xyz')
  const second = await rawHijack(sock, [head('keep')])
  keep.socket.end()
  t.equal((await demux(await keep.rest)).stdout, 'xyz', 'the half-closed client\'s output ended')
  t.equal((await call(sock, 'GET', '/containers/keep/json')).json().State.Running, true, 'still running after the half-close')
  second.socket.write('more')
  await second.waitFor('more')
  t.pass('cat\'s stdin is still open: another client\'s input is echoed')
  await call(sock, 'POST', '/containers/keep/kill')
  t.equal((await demux(await second.rest)).stdout, 'more')
  t.equal((await call(sock, 'GET', '/containers/keep/json')).json().State.ExitCode, 137, 'cat ran until killed')
})

/** Fails instead of hanging when `promise` has not settled after `ms` (a hang guard, not a speed check). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms`)), ms)
  })
  return Promise.race([promise, hang]).finally(() => clearTimeout(timer))
}

/** Polls `check` until it holds; fails after `ms` instead of hanging. */
async function eventually(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const poll = async (): Promise<void> => {
    while (!(await check())) await new Promise((r) => setTimeout(r, 20))
  }
  await within(poll(), ms, what)
}

/** Attaches to `name`'s output and then never reads: the daemon's writes back up. */
async function stuckClient(t: Test, path: string): Promise<import('node:net').Socket> {
  const socket = connect(sock)
  socket.on('error', () => {})
  socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`)
  const [first] = (await once(socket, 'data')) as [Buffer]
  t.match(first.toString('latin1'), /^HTTP\/1\.1 101 /)
  socket.pause()
  // Long enough for the kernel buffers and the daemon's to fill.
  await new Promise((r) => setTimeout(r, 300))
  return socket
}

for (const name of ['flood', 'biflood']) {
  t.test(`${name}: an attached client that stops reading does not keep the container from stopping`, async (t) => {
    const client = await stuckClient(t, `/containers/${name}/attach?stream=1&stdout=1&stderr=1`)
    t.teardown(() => client.destroy())
    const stop = await within(call(sock, 'POST', `/containers/${name}/stop?t=1`), 20_000, 'stop')
    t.equal(stop.status, 204)
    const state = (await call(sock, 'GET', `/containers/${name}/json`)).json().State
    t.equal(state.Running, false)
    t.equal(state.ExitCode, 143, 'yes ended by SIGTERM')
    // The stuck client is let go of (dockerd closes its streams 2 s after the exit): it reads to an end.
    client.resume()
    await within(once(client, 'close'), 40_000, 'the stuck client\'s stream')
    t.equal((await call(sock, 'POST', `/containers/${name}/start`)).status, 204, 'and it starts again')
    t.equal((await within(call(sock, 'DELETE', `/containers/${name}?force=1`), 20_000, 'rm -f')).status, 204)
  })
}

t.test('an exec whose client stops reading still dies with its container', async (t) => {
  await call(sock, 'POST', '/containers/create?name=host2', {Image: 'x', Cmd: ['sleep', '1000'], HostConfig: {NetworkMode: 'none'}})
  t.equal((await call(sock, 'POST', '/containers/host2/start')).status, 204)
  const id = await createExec(sock, 'host2', {Cmd: ['yes', 'exec-flood']})
  const client = await stuckClient(t, `/exec/${id}/start`)
  t.teardown(() => client.destroy())
  t.equal((await call(sock, 'GET', `/exec/${id}/json`)).json().Running, true)
  t.equal((await within(call(sock, 'POST', '/containers/host2/kill'), 20_000, 'kill')).status, 204)
  let info
  await eventually(async () => !(info = (await call(sock, 'GET', `/exec/${id}/json`)).json()).Running, 20_000, 'the exec\'s end')
  t.equal(info.ExitCode, 137, 'killed with its container')
})

t.test('an exec\'s background child dies when its container stops', async (t) => {
  await call(sock, 'POST', '/containers/create?name=orphanage', {Image: 'x', Cmd: ['sleep', '1000'], HostConfig: {NetworkMode: 'none'}})
  t.equal((await call(sock, 'POST', '/containers/orphanage/start')).status, 204)
  const id = await createExec(sock, 'orphanage', {Cmd: ['sh', '-c', 'sleep 987.654 & echo started']})
  const h = await rawHijack(sock, [postHead(`/exec/${id}/start`, '{}') + '{}'])
  t.equal((await demux(await within(h.rest, 20_000, 'the exec'))).stdout, 'started\n')
  const orphans = () => readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'latin1') === 'sleep\x00987.654\x00'
    } catch {
      return false
    }
  })
  t.equal(orphans().length, 1, 'the background sleep runs after the exec ended')
  t.equal((await within(call(sock, 'POST', '/containers/orphanage/stop?t=1'), 20_000, 'stop')).status, 204)
  await eventually(() => orphans().length === 0, 10_000, 'the orphan\'s end')
  t.same(orphans(), [], 'killed with its container')
})

t.test('an exec that leaves a child holding its output: the session ends after the grace period', async (t) => {
  const id = await createExec(sock, 'box', {Cmd: ['sh', '-c', 'sleep 60 & echo started']})
  const h = await rawHijack(sock, [postHead(`/exec/${id}/start`, '{}') + '{}'])
  const out = await within(h.rest, 20_000, 'the exec stream')
  t.equal((await demux(out)).stdout, 'started\n')
  const info = (await call(sock, 'GET', `/exec/${id}/json`)).json()
  t.same([info.Running, info.ExitCode], [false, 0], 'sh exited 0; its background child does not hold the exec open')
})

t.test('wait: headers first, the body once the container is killed', async (t) => {
  const socket = connect(sock)
  socket.write('POST /v1.47/containers/victim/wait?condition=not-running HTTP/1.1\r\nHost: x\r\n\r\n')
  let received = ''
  socket.on('data', (c) => {
    received += c.toString()
  })
  while (!received.includes('\r\n\r\n')) await once(socket, 'data')
  t.match(received, /^HTTP\/1\.1 200 OK\r\n/)
  t.notMatch(received, /StatusCode/, 'no body before the container stops')
  const kill = await call(sock, 'POST', '/v1.47/containers/victim/kill?signal=KILL')
  t.equal(kill.status, 204)
  while (!received.includes('\r\n0\r\n\r\n')) await once(socket, 'data')
  t.match(received, /\{"StatusCode":137,"Error":null\}/)
  socket.destroy()
  const again = await call(sock, 'POST', '/v1.47/containers/victim/kill')
  t.equal(again.status, 409)
  t.equal((await call(sock, 'POST', '/containers/victim/stop')).status, 304)
  t.equal((await call(sock, 'POST', '/containers/victim/start')).status, 204)
  t.equal((await call(sock, 'POST', '/containers/victim/start')).status, 304)
  t.equal((await call(sock, 'POST', '/containers/victim/stop?t=5')).status, 204)
  const state = (await call(sock, 'GET', '/containers/victim/json')).json().State
  t.equal(state.ExitCode, 143, 'stopped by SIGTERM')
})

/** Sends `text` on a new connection (then half-closes, unless `half` is false) and collects the answer until the daemon closes. */
async function exchange(path: string, text: string, half = true): Promise<string> {
  const socket = connect(path)
  const chunks: Buffer[] = []
  socket.on('data', (c) => chunks.push(c))
  if (half) socket.end(text)
  else socket.write(text)
  await once(socket, 'close')
  return Buffer.concat(chunks).toString('latin1')
}

t.test('malformed request: 400 JSON, daemon keeps serving', async (t) => {
  const text = await exchange(sock, 'GARBAGE\r\n\r\n')
  t.match(text, /^HTTP\/1\.1 400 /)
  t.match(text, /\{"message":"malformed HTTP request line"\}/)
  t.equal((await call(sock, 'GET', '/_ping')).status, 200)
})

t.test('bare LF line ends are accepted, as Go\'s server (dockerd) accepts them', async (t) => {
  const ping = await exchange(sock, 'GET /_ping HTTP/1.1\nHost: x\nConnection: close\n\n')
  t.match(ping, /^HTTP\/1\.1 200 OK\r\n/)
  t.match(ping, /\r\n\r\nOK$/)
  const body = '{"Cmd":["true"]}'
  const created = await exchange(sock, `POST /v1.47/containers/box/exec HTTP/1.1\nHost: x\r\nContent-Type: application/json\nContent-Length: ${body.length}\nConnection: close\n\r\n${body}`)
  t.match(created, /^HTTP\/1\.1 201 Created\r\n/, 'mixed LF and CRLF, with a body')
  t.match(created, /\{"Id":"[0-9a-f]{64}"\}/)
})

t.test('request head timeout: 408 and close; an idle kept-alive connection may wait', async (t) => {
  const quick = await startMockDaemon({socket: join(dir, 'quick.sock'), limits: {headTimeoutMs: 300}})
  t.teardown(() => quick.close())
  const silent = await exchange(quick.socketPath!, '', false)
  t.match(silent, /^HTTP\/1\.1 408 Request Timeout\r\n/, 'a connection that never sends')
  t.match(silent, /timed out reading the request head/)
  const partial = await exchange(quick.socketPath!, 'GET /_ping HTTP/1.1\r\nHost: x\r\n', false)
  t.match(partial, /^HTTP\/1\.1 408 /, 'a head that never ends')

  const socket = connect(quick.socketPath!)
  let received = ''
  socket.on('data', (c) => {
    received += c.toString('latin1')
  })
  socket.write('GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n')
  while (!received.endsWith('OK')) await once(socket, 'data')
  await new Promise((r) => setTimeout(r, 700))
  t.equal(socket.destroyed, false, 'still open after twice the timeout, idle between requests')
  socket.write('GET /_ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
  await once(socket, 'close')
  t.equal(received.match(/HTTP\/1\.1 200 OK/g)?.length, 2, 'the second request was served')
})

t.test('exec records: listed by the container while not ended, forgotten some time after the exit', async (t) => {
  const brief = await startMockDaemon({
    socket: join(dir, 'brief.sock'),
    // Long enough that the record surely outlives the checks right after the exit, even on a busy machine.
    limits: {execRetentionMs: 2000},
    config: {containers: [{name: 'host', runtime: 'builtin', cmd: ['sleep', '1000']}]},
  })
  t.teardown(() => brief.close())
  const path = brief.socketPath!
  const id = await createExec(path, 'host', {Cmd: ['echo', 'hi']})
  t.same((await call(path, 'GET', '/containers/host/json')).json().ExecIDs, [id], 'a created exec is listed')
  const h = await rawHijack(path, [postHead(`/exec/${id}/start`, '{}') + '{}'])
  t.equal((await demux(await h.rest)).stdout, 'hi\n')
  t.equal((await call(path, 'GET', '/containers/host/json')).json().ExecIDs, null, 'an ended exec is not (dockerd: null)')
  const info = await call(path, 'GET', `/exec/${id}/json`)
  t.same([info.status, info.json().ExitCode], [200, 0], 'but can still be inspected')
  await eventually(async () => (await call(path, 'GET', `/exec/${id}/json`)).status !== 200, 10_000, 'the exec record\'s removal')
  const reply = await call(path, 'GET', `/exec/${id}/json`)
  t.equal(reply.status, 404)
  t.match(reply.json().message, /No such exec instance/)
})

t.test('oversized header: 431; oversized body: 413', async (t) => {
  const big = await call(sock, 'GET', '/_ping', undefined, {'X-Big': 'x'.repeat(20 * 1024)}).catch((e) => e)
  t.equal(big.status, 431)
  const huge = await call(sock, 'POST', '/v1.47/containers/box/exec', {Cmd: ['true'], Pad: 'x'.repeat(2 * 1024 * 1024)})
  t.equal(huge.status, 413)
  t.match(huge.json().message, /too large/)
  t.equal((await call(sock, 'GET', '/_ping')).status, 200)
})

t.test('tcp: loopback only unless unsafe', async (t) => {
  await t.rejects(startMockDaemon({listen: 'tcp://10.1.2.3:0'}), /refusing to listen/)
  await t.rejects(startMockDaemon({listen: 'tcp://0.0.0.0:0'}), /refusing to listen/)
  const tcp = await startMockDaemon({listen: 'tcp://127.0.0.1:0'})
  t.teardown(() => tcp.close())
  t.match(tcp.url, /^tcp:\/\/127\.0\.0\.1:\d+$/)
  t.ok(tcp.port && tcp.port > 0)
  const h = await rawHijack('', ['GET /_ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'], 0, {port: tcp.port})
  t.equal(h.status, 200)
})

t.test('socket path: a live socket is refused, a stale one replaced', async (t) => {
  await t.rejects(startMockDaemon({socket: sock}), /another daemon is listening/)
  const file = join(dir, 'plain')
  writeFileSync(file, '')
  await t.rejects(startMockDaemon({socket: file}), /not a socket/)
})

t.test('limits out of range are refused (Node would run a longer timer after 1 ms)', async (t) => {
  await t.rejects(startMockDaemon({limits: {headTimeoutMs: Infinity}}), /limits\.headTimeoutMs: expected an integer from 1 to 2147483647/)
  await t.rejects(startMockDaemon({limits: {execRetentionMs: 0}}), /limits\.execRetentionMs/)
  await t.rejects(startMockDaemon({limits: {maxBodySize: -1}}), /limits\.maxBodySize/)
})

t.test('config errors are clear', async (t) => {
  await t.rejects(startMockDaemon({config: {containers: [{name: 'x', cmd: []}]}}), /containers\[0\]|cmd/)
  await t.rejects(startMockDaemon({config: {containers: [{name: 'x', cmd: ['true'], faults: {nope: 1}}]}} as never), /unknown fault "nope"/)
  await t.rejects(startMockDaemon({faults: ['splitWrites=zero']}), /splitWrites/)
})
