// The endpoints of issue 16 over plain HTTP: logs framing and options, events, top, pause, rename, stats,
// changes, update, archive, images, networks, volumes and system df; their 400s; versioned and not.
import {readFileSync, statSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {request, type IncomingHttpHeaders} from 'node:http'
import {join} from 'node:path'
import t from 'tap'
import {startMockDaemon, type MockDaemon} from '../../src/mock-daemon/index.js'
import {call, createExec, demux} from '../helpers/mock-daemon-client.js'

const dir = mkdtempSync('/tmp/hjx-')
const sock = join(dir, 'd.sock')
const workdir = join(dir, 'work')
const gate = join(dir, 'go')
mkdirSync(join(workdir, 'sub'), {recursive: true})
writeFileSync(join(workdir, 'sub', 'f.txt'), 'file body\n')
let daemon: MockDaemon

interface Raw {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
}

/** A GET whose body is kept as bytes (log frames). `onResponse` sees the response as it starts. */
function get(path: string, onResponse?: (res: import('node:http').IncomingMessage) => void): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request({socketPath: sock, path, agent: false, headers: {Host: 'api.moby.localhost'}}, (res) => {
      onResponse?.(res)
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks)}))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

const readFileMode = (path: string) => statSync(path).mode & 0o777
const message = (r: {body: string}) => JSON.parse(r.body).message as string

t.before(async () => {
  daemon = await startMockDaemon({
    socket: sock,
    config: {
      containers: [
        {name: 'web', image: 'nginx:1.25', workdir, labels: {app: 'web'}, cmd: ['sh', '-c', 'echo one; echo two >&2; echo three; exec sleep 1000']},
        {name: 'tty', tty: true, cmd: ['sh', '-c', 'echo on-a-tty; exec sleep 1000']},
        {name: 'bi', runtime: 'builtin', image: 'docker.io/library/busybox:latest', cmd: ['sleep', '1000']},
        // Prints once the gate file appears, then exits 5.
        {name: 'later', cmd: ['sh', '-c', `while [ ! -e ${gate} ]; do sleep 0.02; done; echo late; exit 5`]},
      ],
    },
  })
  // The first lines are in the log before any test reads it.
  for (let i = 0; i < 200; i++) {
    const r = await get('/containers/web/logs?stdout=1&stderr=1')
    if ((await demux(r.body)).stdout.includes('three')) break
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
})

t.teardown(async () => {
  await daemon?.close()
  rmSync(dir, {recursive: true, force: true})
})

t.test('logs: multiplexed frames without a TTY, stdout and stderr apart, versioned and not', async (t) => {
  for (const prefix of ['', '/v1.41', '/v1.47']) {
    const r = await get(`${prefix}/containers/web/logs?stdout=1&stderr=1`)
    t.equal(r.status, 200)
    t.equal(r.headers['content-type'], prefix === '/v1.41' ? 'application/vnd.docker.raw-stream' : 'application/vnd.docker.multiplexed-stream')
    const {stdout, stderr, error} = await demux(r.body)
    t.equal(stdout, 'one\nthree\n')
    t.equal(stderr, 'two\n')
    t.equal(error, undefined)
  }
  t.equal((await demux((await get('/containers/web/logs?stdout=1')).body)).stderr, '', 'stdout only')
  t.equal((await demux((await get('/containers/web/logs?stderr=1')).body)).stdout, '', 'stderr only')
})

t.test('logs: tail counts lines of both streams, timestamps prefix each line, since/until bound them', async (t) => {
  const tail = await demux((await get('/containers/web/logs?stdout=1&stderr=1&tail=2')).body)
  t.equal(tail.stdout + tail.stderr, 'three\ntwo\n')
  t.equal((await get('/containers/web/logs?stdout=1&stderr=1&tail=0')).body.length, 0)
  t.equal((await demux((await get('/containers/web/logs?stdout=1&tail=all')).body)).stdout, 'one\nthree\n', 'tail=all: everything')
  const stamped = (await demux((await get('/containers/web/logs?stdout=1&timestamps=1')).body)).stdout
  t.match(stamped, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z one\n\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z three\n$/)
  const future = Math.floor(Date.now() / 1000) + 60
  t.equal((await get(`/containers/web/logs?stdout=1&since=${future}`)).body.length, 0, 'since in the future: nothing')
  t.equal((await get('/containers/web/logs?stdout=1&until=1000.5')).body.length, 0, 'until in the past: nothing')
  t.equal((await demux((await get('/containers/web/logs?stdout=1&since=1000.123456789')).body)).stdout, 'one\nthree\n')
})

t.test('logs with a TTY: raw bytes', async (t) => {
  const r = await get('/containers/tty/logs?stdout=1&stderr=1')
  t.equal(r.headers['content-type'], 'application/vnd.docker.raw-stream')
  t.match(r.body.toString(), /^on-a-tty\r?\n$/)
})

t.test('logs follow: live output, ends when the container stops', async (t) => {
  let started!: () => void
  const headersIn = new Promise<void>((resolve) => {
    started = resolve
  })
  const following = get('/containers/later/logs?stdout=1&stderr=1&follow=1', () => started())
  await headersIn
  writeFileSync(gate, '')
  const r = await following
  t.equal((await demux(r.body)).stdout, 'late\n')
  t.equal(daemon.container('later')?.exitCode, 5)
  const after = await get('/containers/later/logs?stdout=1&follow=1')
  t.equal((await demux(after.body)).stdout, 'late\n', 'follow on a stopped container: the log, then the end')
})

t.test('logs follow: the client leaving ends it', async (t) => {
  await new Promise<void>((resolve, reject) => {
    const req = request({socketPath: sock, path: '/containers/web/logs?stdout=1&follow=1', agent: false}, (res) => {
      res.once('data', () => {
        req.destroy()
        resolve()
      })
    })
    req.on('error', (e) => (req.destroyed ? resolve() : reject(e)))
    req.end()
  })
  t.equal((await call(sock, 'GET', '/_ping')).status, 200, 'the daemon goes on')
})

t.test('logs: bad requests', async (t) => {
  const none = await call(sock, 'GET', '/containers/web/logs')
  t.equal(none.status, 400)
  t.equal(message(none), 'Bad parameters: you must choose at least one stream')
  const since = await call(sock, 'GET', '/containers/web/logs?stdout=1&since=yesterday')
  t.equal(since.status, 400)
  t.match(message(since), /invalid value for since/)
  t.equal((await call(sock, 'GET', '/containers/nope/logs?stdout=1')).status, 404)
})

t.test('events: since replays, until ends, filters narrow, JSON lines in the Engine shape', async (t) => {
  const since = (Date.now() / 1000 - 0.001).toFixed(3)
  t.equal((await call(sock, 'POST', '/containers/web/pause')).status, 204)
  t.equal((await call(sock, 'POST', '/containers/web/unpause')).status, 204)
  const id = await createExec(sock, 'web', {Cmd: ['true']})
  t.equal((await call(sock, 'POST', `/exec/${id}/start`, {Detach: true})).status, 200)
  for (let i = 0; i < 500 && (await call(sock, 'GET', `/exec/${id}/json`)).json().Running; i++) await new Promise((r) => setTimeout(r, 10))
  const until = (Date.now() / 1000).toFixed(3)
  const r = await call(sock, 'GET', `/v1.41/events?since=${since}&until=${until}&filters=${encodeURIComponent(JSON.stringify({container: ['web']}))}`)
  t.equal(r.status, 200)
  t.equal(r.headers['content-type'], 'application/json')
  const events = r.body.trim().split('\n').map((line) => JSON.parse(line))
  t.same(events.map((e) => e.Action), ['pause', 'unpause', 'exec_create: true', 'exec_start: true', 'exec_die'])
  const webId = daemon.container('web')!.id
  t.match(events[0], {Type: 'container', Action: 'pause', Actor: {ID: webId, Attributes: {name: 'web', image: 'nginx:1.25', app: 'web'}}, scope: 'local', status: 'pause', id: webId, from: 'nginx:1.25'})
  t.match(events[4].Actor.Attributes, {execID: id, exitCode: '0'})
  t.ok(events.every((e, i) => i === 0 || e.timeNano > events[i - 1].timeNano), 'in order')
  const filtered = await call(sock, 'GET', `/events?since=${since}&until=${until}&filters=${encodeURIComponent(JSON.stringify({event: ['exec_start'], type: ['container']}))}`)
  t.same(filtered.body.trim().split('\n').map((line) => JSON.parse(line).Action), ['exec_start: true'])
})

t.test('events: live until the client leaves; bad queries are 400', async (t) => {
  const seen = new Promise<any>((resolve, reject) => {
    const req = request({socketPath: sock, path: '/events', agent: false}, (res) => {
      res.once('data', (c: Buffer) => {
        req.destroy()
        resolve(JSON.parse(c.toString().split('\n')[0]))
      })
      // Something happens once the stream is open.
      call(sock, 'POST', '/containers/bi/rename?name=bi2').then(() => call(sock, 'POST', '/containers/bi2/rename?name=bi'), reject)
    })
    req.on('error', () => {})
    req.end()
  })
  t.match(await seen, {Action: 'rename', Actor: {Attributes: {name: 'bi2', oldName: '/bi'}}})
  t.equal((await call(sock, 'GET', '/events?since=soon')).status, 400)
  t.equal((await call(sock, 'GET', `/events?filters=${encodeURIComponent('{"colour":["red"]}')}`)).status, 400)
  t.equal((await call(sock, 'GET', `/events?filters=${encodeURIComponent('{"type":["car"]}')}`)).status, 400)
  t.equal((await call(sock, 'GET', '/events?since=20&until=10')).status, 400)
})

t.test('top: the container\'s processes; builtin: its program', async (t) => {
  const r = await call(sock, 'GET', '/containers/web/top')
  t.equal(r.status, 200)
  const top = r.json()
  t.same(top.Titles, ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'])
  t.same(top.Processes.map((p: string[]) => p[1]), [String(daemon.container('web')!.pid)])
  t.equal(top.Processes[0][7], 'sleep 1000')
  const custom = (await call(sock, 'GET', '/containers/web/top?ps_args=-o%20pid,comm')).json()
  t.same(custom, {Titles: ['PID', 'COMMAND'], Processes: [[String(daemon.container('web')!.pid), 'sleep']]})
  t.same((await call(sock, 'GET', '/containers/bi/top')).json().Processes[0].at(-1), 'sleep 1000')
  t.equal((await call(sock, 'GET', '/containers/web/top?ps_args=%3Bls')).status, 400)
  t.equal((await call(sock, 'GET', '/containers/later/top')).status, 409, 'not running')
})

t.test('pause: SIGSTOP of the processes, inspect says paused, exec refused with 409; unpause', async (t) => {
  const pid = daemon.container('web')!.pid
  const state = () => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1][0]
  t.equal((await call(sock, 'POST', '/containers/web/pause')).status, 204)
  t.equal(state(), 'T', 'stopped')
  t.match((await call(sock, 'GET', '/containers/web/json')).json().State, {Status: 'paused', Running: true, Paused: true})
  t.equal((await call(sock, 'GET', '/containers/json?all=1')).json().find((c: any) => c.Names[0] === '/web').State, 'paused')
  const exec = await call(sock, 'POST', '/containers/web/exec', {Cmd: ['true']})
  t.equal(exec.status, 409)
  t.match(message(exec), /is paused, unpause the container before exec/)
  t.equal((await call(sock, 'POST', '/containers/web/pause')).status, 409, 'already paused')
  t.equal((await call(sock, 'GET', '/info')).json().ContainersPaused, 1)
  t.equal((await call(sock, 'POST', '/containers/web/unpause')).status, 204)
  t.not(state(), 'T', 'running again')
  t.equal((await call(sock, 'POST', '/containers/web/unpause')).status, 409, 'not paused')
  t.equal((await call(sock, 'POST', '/containers/later/pause')).status, 409, 'not running')
})

t.test('rename: new name found, old name gone; Docker\'s 400 and 409', async (t) => {
  t.equal((await call(sock, 'POST', '/containers/web/rename?name=web2')).status, 204)
  t.equal((await call(sock, 'GET', '/containers/web2/json')).json().Name, '/web2')
  t.equal((await call(sock, 'GET', '/containers/web/json')).status, 404)
  t.equal((await call(sock, 'POST', '/containers/web2/rename?name=/web')).status, 204)
  const taken = await call(sock, 'POST', '/containers/web/rename?name=tty')
  t.equal(taken.status, 409)
  t.match(message(taken), /^Conflict\. The container name "\/tty" is already in use/)
  t.equal((await call(sock, 'POST', '/containers/web/rename?name=')).status, 400)
  t.equal((await call(sock, 'POST', '/containers/web/rename?name=a%20b')).status, 400)
  t.equal((await call(sock, 'POST', '/containers/web/rename?name=web')).status, 400, 'the same name')
})

t.test('stats stream=false: real memory and CPU of the processes; builtin and stopped: zeros', async (t) => {
  const r = await call(sock, 'GET', '/containers/web/stats?stream=false')
  t.equal(r.status, 200)
  const stats = r.json()
  t.equal(stats.name, '/web')
  t.ok(stats.memory_stats.usage > 0, 'RSS of sleep')
  t.ok(stats.cpu_stats.system_cpu_usage > stats.precpu_stats.system_cpu_usage, 'two samples apart')
  t.equal(stats.pids_stats.current, 1)
  const oneShot = (await call(sock, 'GET', '/containers/web/stats?stream=false&one-shot=true')).json()
  t.equal(oneShot.precpu_stats.system_cpu_usage, 0)
  t.equal((await call(sock, 'GET', '/containers/later/stats?stream=false')).json().read, '0001-01-01T00:00:00Z')
  t.equal((await call(sock, 'GET', '/containers/bi/stats?stream=false&one-shot=1')).json().memory_stats.usage, 0)
  t.equal((await call(sock, 'GET', '/containers/web/stats?stream=maybe')).status, 400)
  t.equal((await call(sock, 'GET', '/containers/web/stats?stream=true&one-shot=true')).status, 400)
})

/** A streaming GET read one JSON line at a time: next() gives the next body, or undefined at the end. */
function jsonLines(path: string): {next: () => Promise<Record<string, any> | undefined>; close: () => void} {
  const bodies: (Record<string, any> | undefined)[] = []
  let wake = (): void => {}
  let pending = ''
  const req = request({socketPath: sock, path, agent: false, headers: {Host: 'api.moby.localhost'}}, (res) => {
    res.setEncoding('utf8')
    res.on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n')
      pending = lines.pop() ?? ''
      for (const line of lines) if (line.trim() !== '') bodies.push(JSON.parse(line))
      wake()
    })
    res.on('close', () => {
      bodies.push(undefined)
      wake()
    })
  })
  req.on('error', () => {})
  req.end()
  return {
    async next() {
      while (bodies.length === 0) await new Promise<void>((resolve) => (wake = resolve))
      return bodies.shift()
    },
    close: () => req.destroy(),
  }
}

t.test('stats stream: a body a second as dockerd streams it, zeros while stopped, the end at removal', async (t) => {
  const created = await call(sock, 'POST', '/containers/create?name=streamed', {Image: 'busybox', Cmd: ['sleep', '1000'], HostConfig: {NetworkMode: 'none'}})
  t.equal(created.status, 201)
  const parked = jsonLines('/containers/streamed/stats')
  const notStarted = await parked.next()
  t.match(notStarted, {name: '/streamed', read: '0001-01-01T00:00:00Z', memory_stats: {}}, 'never started: the empty body')
  t.match(await parked.next(), {name: '/streamed', read: '0001-01-01T00:00:00Z'}, 'and the stream goes on')
  parked.close()

  t.equal((await call(sock, 'POST', '/containers/streamed/start')).status, 204)
  const live = jsonLines('/v1.47/containers/streamed/stats?stream=1')
  const first = await live.next()
  t.equal(first?.preread, '0001-01-01T00:00:00Z', 'the first body has no previous sample')
  t.ok(first?.memory_stats.usage > 0, 'RSS of sleep')
  const second = await live.next()
  t.equal(second?.preread, first?.read, 'preread is the read before')
  t.same(second?.precpu_stats, first?.cpu_stats, 'precpu_stats is the cpu_stats before')
  t.ok(Date.parse(second?.read) > Date.parse(first?.read))

  t.equal((await call(sock, 'POST', '/containers/streamed/kill')).status, 204)
  let body = await live.next()
  // One more sample may have been taken before the kill landed.
  while (body && body.read !== '0001-01-01T00:00:00Z') body = await live.next()
  t.match(body, {name: '/streamed', memory_stats: {}, pids_stats: {}}, 'stopped: empty bodies, the stream stays')
  t.not(body?.preread, '0001-01-01T00:00:00Z', 'the first one after the stop still carries the last sample as preread')
  t.match(await live.next(), {read: '0001-01-01T00:00:00Z', preread: '0001-01-01T00:00:00Z'}, 'then zeros')

  t.equal((await call(sock, 'DELETE', '/containers/streamed')).status, 204)
  let after = 0
  for (body = await live.next(); body && after < 5; body = await live.next()) after++
  t.equal(body, undefined, `the removal ended the stream (after ${after} more bodies)`)
  live.close()
})

t.test('changes and update', async (t) => {
  t.same((await call(sock, 'GET', '/containers/web/changes')).json(), [])
  const u = await call(sock, 'POST', '/containers/web/update', {CpuShares: 512, Memory: 67108864, RestartPolicy: {Name: 'on-failure', MaximumRetryCount: 2}})
  t.equal(u.status, 200)
  t.same(u.json(), {Warnings: []})
  t.match((await call(sock, 'GET', '/containers/web/json')).json().HostConfig, {CpuShares: 512, Memory: 67108864, RestartPolicy: {Name: 'on-failure'}, NetworkMode: 'none'})
  t.equal((await call(sock, 'POST', '/containers/web/update', {Memory: 'lots'})).status, 400)
  t.equal((await call(sock, 'POST', '/containers/web/update', {RestartPolicy: {Name: 'sometimes'}})).status, 400)
  t.equal((await call(sock, 'POST', '/containers/web/update', '[1]')).status, 400)
})

t.test('archive: HEAD stats and GET tars a path inside the working directory; else 404', async (t) => {
  const head = await call(sock, 'HEAD', `/containers/web/archive?path=${encodeURIComponent('sub/f.txt')}`)
  t.equal(head.status, 200)
  const stat = JSON.parse(Buffer.from(String(head.headers['x-docker-container-path-stat']), 'base64').toString())
  t.match(stat, {name: 'f.txt', size: 10, linkTarget: ''})
  t.equal(stat.mode, readFileMode(join(workdir, 'sub', 'f.txt')), 'a plain file: its permission bits only')
  const tar = await get(`/containers/web/archive?path=${encodeURIComponent(join(workdir, 'sub'))}`)
  t.equal(tar.status, 200)
  t.equal(tar.headers['content-type'], 'application/x-tar')
  t.ok(tar.body.includes('sub/f.txt'), 'the directory under its own name')
  t.ok(tar.body.includes('file body\n'))
  const dirStat = JSON.parse(Buffer.from(String(tar.headers['x-docker-container-path-stat']), 'base64').toString())
  t.ok(dirStat.mode >= 2 ** 31, 'Go\'s ModeDir bit')
  for (const [ref, path] of [['web', '/etc/passwd'], ['web', '../../etc/passwd'], ['web', 'missing'], ['bi', '/']]) {
    const r = await call(sock, 'GET', `/containers/${ref}/archive?path=${encodeURIComponent(path)}`)
    t.equal(r.status, 404, `${ref}:${path}`)
    t.equal(message(r), `Could not find the file ${path} in container ${ref}`)
  }
  t.equal((await call(sock, 'GET', '/containers/web/archive')).status, 400)
})

t.test('images: listed and inspectable; pull streams progress without network; rmi', async (t) => {
  const list = (await call(sock, 'GET', '/images/json')).json()
  t.same(list.map((i: any) => i.RepoTags[0]).sort(), ['busybox:latest', 'hijack-mock:latest', 'nginx:1.25'])
  t.match(list[0], {Id: /^sha256:[0-9a-f]{64}$/, ParentId: '', RepoDigests: [], Size: 0, Labels: {}})
  const pull = await call(sock, 'POST', '/v1.41/images/create?fromImage=alpine&tag=3.19')
  t.equal(pull.status, 200)
  const lines = pull.body.trim().split('\n').map((l) => JSON.parse(l))
  t.same(lines.map((l) => l.status), ['Pulling from library/alpine', lines[1].status, 'Status: Downloaded newer image for alpine:3.19'])
  t.match(lines[1].status, /^Digest: sha256:[0-9a-f]{64}$/)
  const again = await call(sock, 'POST', '/images/create?fromImage=docker.io%2Flibrary%2Falpine%3A3.19')
  t.match(again.body, /Image is up to date for alpine:3\.19/)
  const inspect = await call(sock, 'GET', '/images/docker.io/library/alpine:3.19/json')
  t.equal(inspect.status, 200)
  t.match(inspect.json(), {RepoTags: ['alpine:3.19'], Os: 'linux', RootFS: {Type: 'layers'}})
  t.equal((await call(sock, 'GET', `/images/${inspect.json().Id.slice(7, 19)}/json`)).json().Id, inspect.json().Id, 'by id prefix')
  t.equal((await call(sock, 'GET', '/images/nope/json')).status, 404)
  t.equal((await call(sock, 'POST', '/images/create?fromImage=Bad%20Name')).status, 400)
  t.equal((await call(sock, 'POST', '/images/create')).status, 400)
  const busy = await call(sock, 'DELETE', '/images/nginx:1.25')
  t.equal(busy.status, 409)
  t.match(message(busy), /must force/)
  t.same((await call(sock, 'DELETE', '/images/alpine:3.19')).json().map((e: any) => Object.keys(e)[0]), ['Untagged', 'Deleted'])
  t.equal((await call(sock, 'GET', '/info')).json().Images, 3)
})

t.test('networks: bridge, host and none; GET /networks/bridge as testcontainers asks', async (t) => {
  for (const prefix of ['', '/v1.41']) {
    const list = (await call(sock, 'GET', `${prefix}/networks`)).json()
    t.same(list.map((n: any) => [n.Name, n.Driver, n.Scope]), [['bridge', 'bridge', 'local'], ['host', 'host', 'local'], ['none', 'null', 'local']])
    t.equal((await call(sock, 'GET', `${prefix}/networks/bridge`)).status, 200)
  }
  const none = (await call(sock, 'GET', '/networks/none')).json()
  t.ok(none.Containers[daemon.container('web')!.id], 'running containers are on none')
  const byId = await call(sock, 'GET', `/networks/${none.Id.slice(0, 12)}`)
  t.equal(byId.json().Name, 'none')
  const missing = await call(sock, 'GET', '/networks/mynet')
  t.equal(missing.status, 404)
  t.equal(message(missing), 'network mynet not found')
  t.same((await call(sock, 'GET', `/networks?filters=${encodeURIComponent('{"driver":["null"]}')}`)).json().map((n: any) => n.Name), ['none'])
  t.equal((await call(sock, 'GET', `/networks?filters=${encodeURIComponent('{"colour":["x"]}')}`)).status, 400)
  const rm = await call(sock, 'DELETE', '/networks/host')
  t.equal(rm.status, 403)
  t.equal(message(rm), 'host is a pre-defined network and cannot be removed')
})

t.test('volumes and system df', async (t) => {
  t.same((await call(sock, 'GET', '/volumes')).json(), {Volumes: [], Warnings: []})
  const v = await call(sock, 'GET', '/volumes/data')
  t.equal(v.status, 404)
  t.equal(message(v), 'get data: no such volume')
  const df = (await call(sock, 'GET', '/system/df')).json()
  t.equal(df.Images.length, 3)
  t.equal(df.Images.find((i: any) => i.RepoTags[0] === 'nginx:1.25').Containers, 1)
  t.equal(df.Containers.length, 4)
  t.same(df.Volumes, [])
  t.same((await call(sock, 'GET', '/system/df?type=volume')).json().Images, [])
  t.equal((await call(sock, 'GET', '/system/df?type=disk')).status, 400)
})
