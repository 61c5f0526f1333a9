// The least Node can do for `exec -i CONTAINER cat` over TLS, for the bench's floor row: one exec
// created, its start hijacked, stdin piped to the socket and a bare stdcopy demux to stdout. No hijack
// code, no error handling beyond failing loudly. If this alone is slower than the Docker CLI, no Node
// client can reach Docker's throughput over TLS on that machine.
// Usage: node bench/tls-floor.js PORT CERT_DIR CONTAINER < input > output  (127.0.0.1, Docker's file names)
import {readFileSync} from 'node:fs'
import tls from 'node:tls'

const [port, certDir, container] = process.argv.slice(2)
const options = {
  host: '127.0.0.1',
  port: Number(port),
  ca: readFileSync(`${certDir}/ca.pem`),
  cert: readFileSync(`${certDir}/client-cert.pem`),
  key: readFileSync(`${certDir}/client-key.pem`),
}
const fail = (error) => {
  console.error(`tls-floor: ${error.message ?? error}`)
  process.exit(1)
}

/** One request on its own connection; resolves with the body (Connection: close). */
function request(method, path, body) {
  return new Promise((resolve, reject) => {
    const socket = tls.connect(options, () => {
      socket.write(`${method} ${path} HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
    })
    let answer = ''
    socket.on('data', (chunk) => {
      answer += chunk
    })
    socket.on('end', () => resolve(answer.slice(answer.indexOf('\r\n\r\n') + 4)))
    socket.on('error', reject)
  })
}

const created = JSON.parse(await request('POST', `/v1.41/containers/${container}/exec`,
  JSON.stringify({AttachStdin: true, AttachStdout: true, AttachStderr: true, Cmd: ['cat']})).catch(fail))
const body = JSON.stringify({Detach: false, Tty: false})
const socket = tls.connect(options, () => {
  socket.write(`POST /v1.41/exec/${created.Id}/start HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: ${body.length}\r\n\r\n${body}`)
})
socket.on('error', fail)

// A bare demux: 8-byte headers, payloads written as they come (split anywhere).
let header = Buffer.alloc(0)
let remaining = 0
function demux(chunk) {
  let offset = 0
  while (offset < chunk.length) {
    if (remaining === 0) {
      const take = 8 - header.length
      header = Buffer.concat([header, chunk.subarray(offset, offset + take)])
      offset += take
      if (header.length < 8) break
      remaining = header.readUInt32BE(4)
      header = Buffer.alloc(0)
      continue
    }
    const take = Math.min(remaining, chunk.length - offset)
    process.stdout.write(chunk.subarray(offset, offset + take))
    offset += take
    remaining -= take
  }
}

let head = Buffer.alloc(0)
socket.on('data', function onHead(chunk) {
  head = Buffer.concat([head, chunk])
  const end = head.indexOf('\r\n\r\n')
  if (end < 0) return
  if (!head.subarray(0, 12).toString().includes('101')) fail(new Error(head.toString()))
  socket.off('data', onHead)
  demux(head.subarray(end + 4))
  socket.on('data', demux)
  process.stdin.pipe(socket)
})
// stdout may be a pipe written asynchronously: exit only once what was handed to it is written.
socket.on('end', () => process.stdout.write('', () => process.exit(0)))
