// dockerode against the mock for the endpoints of issue 16: logs (demultiplexed), getEvents, top,
// pause/unpause, listImages and listNetworks, each in the shapes @types/dockerode describes.
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {PassThrough} from 'node:stream'
import Docker from 'dockerode'
import t from 'tap'
import {startMockDaemon, type MockDaemon} from '../../src/mock-daemon/index.js'

const dir = mkdtempSync('/tmp/hjdx-')
const sock = join(dir, 'd.sock')
const gate = join(dir, 'go')
let daemon: MockDaemon
let docker: Docker

t.before(async () => {
  daemon = await startMockDaemon({
    socket: sock,
    config: {
      containers: [
        {name: 'web', image: 'nginx:1.25', cmd: ['sh', '-c', 'echo out; echo err >&2; exec sleep 1000']},
        {name: 'later', cmd: ['sh', '-c', `while [ ! -e ${gate} ]; do sleep 0.02; done; echo late; echo later >&2; exit 2`]},
      ],
    },
  })
  docker = new Docker({socketPath: sock})
})

t.teardown(async () => {
  await daemon?.close()
  rmSync(dir, {recursive: true, force: true})
})

function collect(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = ''
    stream.on('data', (c: Buffer) => {
      text += c.toString()
    })
    stream.on('end', () => resolve(text))
    stream.on('error', reject)
  })
}

t.test('container.logs: buffered, and followed with modem.demuxStream until the exit', async (t) => {
  const web = docker.getContainer('web')
  let text = ''
  for (let i = 0; i < 300 && !text.includes('err'); i++) {
    const buffer = await web.logs({stdout: true, stderr: true, follow: false})
    text = buffer.toString()
    if (!text.includes('err')) await new Promise((r) => setTimeout(r, 20))
  }
  t.match(text, /\u0001\0\0\0\0\0\0\u0004out\n/, 'a stdout frame')
  t.match(text, /\u0002\0\0\0\0\0\0\u0004err\n/, 'a stderr frame')

  const stream = await docker.getContainer('later').logs({stdout: true, stderr: true, follow: true})
  const out = new PassThrough()
  const err = new PassThrough()
  docker.modem.demuxStream(stream, out, err)
  stream.on('end', () => {
    out.end()
    err.end()
  })
  writeFileSync(gate, '')
  const [stdout, stderr] = await Promise.all([collect(out), collect(err)])
  t.equal(stdout, 'late\n')
  t.equal(stderr, 'later\n')
})

t.test('getEvents: a live stream of JSON events', async (t) => {
  const stream = await docker.getEvents({filters: {type: ['container'], event: ['pause', 'unpause']}})
  const seen: any[] = []
  const done = new Promise<void>((resolve) => {
    stream.on('data', (c: Buffer) => {
      for (const line of c.toString().split('\n').filter(Boolean)) seen.push(JSON.parse(line))
      if (seen.length >= 2) resolve()
    })
  })
  const web = docker.getContainer('web')
  await web.pause()
  await web.unpause()
  await done
  ;(stream as unknown as {destroy: () => void}).destroy()
  t.same(seen.map((e) => [e.Type, e.Action, e.Actor.Attributes.name]), [['container', 'pause', 'web'], ['container', 'unpause', 'web']])
})

t.test('top and pause', async (t) => {
  const web = docker.getContainer('web')
  const top = await web.top({ps_args: '-o pid,args'})
  t.same(top.Titles, ['PID', 'COMMAND'])
  t.same(top.Processes, [[String(daemon.container('web')!.pid), 'sleep 1000']])
  await web.pause()
  t.equal((await web.inspect()).State.Paused, true)
  await t.rejects(web.pause(), {statusCode: 409})
  await t.rejects(web.exec({Cmd: ['true']}), {statusCode: 409})
  await web.unpause()
  t.equal((await web.inspect()).State.Status, 'running')
})

t.test('listImages, getImage().inspect, pull, listNetworks', async (t) => {
  const images = await docker.listImages()
  t.same(images.map((i) => i.RepoTags?.[0]).sort(), ['hijack-mock:latest', 'nginx:1.25'])
  t.equal((await docker.getImage('nginx:1.25').inspect()).RepoTags[0], 'nginx:1.25')
  const pull = await docker.pull('redis:7')
  const progress = await new Promise<any[]>((resolve, reject) => docker.modem.followProgress(pull, (error, output) => (error ? reject(error) : resolve(output ?? []))))
  t.equal(progress.at(-1).status, 'Status: Downloaded newer image for redis:7')
  t.same((await docker.listImages({filters: {reference: ['redis']}})).map((i) => i.RepoTags?.[0]), ['redis:7'])
  const networks = await docker.listNetworks()
  t.same(networks.map((n) => n.Name), ['bridge', 'host', 'none'])
  t.equal((await docker.getNetwork('bridge').inspect()).Driver, 'bridge')
  await t.rejects(docker.getNetwork('mynet').inspect(), {statusCode: 404})
})
