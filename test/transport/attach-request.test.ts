// The attach request carries its options in the query and no body (a body is read as stdin by podman
// and sometimes by Docker: dockerode#742), and asks for the upgrade.
import net from 'node:net'
import {join} from 'node:path'
import t from 'tap'
import {DockerApi} from '../../src/transport/docker-api.js'
import {tempDir} from '../helpers/temp.js'

t.test('attach: query options, no body, upgrade headers; head bytes are the stream', async (t) => {
  const path = join(tempDir(t, 'hj-att-'), 'd.sock')
  let head = ''
  const server = net.createServer((socket) => {
    socket.on('data', (chunk) => {
      head += chunk.toString('latin1')
      if (head.includes('\r\n\r\n')) {
        // The 101 and the first stream bytes in one write.
        socket.end('HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\nfirst-bytes')
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(path, resolve))
  t.teardown(() => server.close())
  const api = new DockerApi({kind: 'unix', path, url: `unix://${path}`}, '1.41')
  const {socket} = await api.attach('box', {stream: true, stdin: true, stdout: true, stderr: false, logs: true, detachKeys: 'ctrl-x,y'})
  const received: Buffer[] = []
  for await (const chunk of socket) received.push(chunk as Buffer)
  t.equal(Buffer.concat(received).toString(), 'first-bytes')
  const [requestLine, ...headers] = head.split('\r\n\r\n')[0].split('\r\n')
  t.equal(requestLine, 'POST /v1.41/containers/box/attach?logs=1&stream=1&stdin=1&stdout=1&stderr=0&detachKeys=ctrl-x%2Cy HTTP/1.1')
  const lower = headers.map((h) => h.toLowerCase())
  t.ok(lower.includes('connection: upgrade'))
  t.ok(lower.includes('upgrade: tcp'))
  t.notOk(lower.some((h) => h.startsWith('content-length:') && h !== 'content-length: 0'), 'no body length')
  t.notOk(lower.some((h) => h.startsWith('transfer-encoding:')), 'no chunked body')
  t.equal(head.split('\r\n\r\n')[1], '', 'nothing after the head')
})
