// The forward request over an ssh master's control socket (OpenSSH's PROTOCOL.mux), against a fake
// master: the exact bytes asked for, each answer a master can give (split anywhere), and every way the
// exchange can fail, which must end in `failed` (so `ssh -O forward` is tried) or `refused`, never a hang.
// The real OpenSSH master is exercised by test/conformance/remote-endpoints.test.ts.
import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import net from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import t, {type Test} from 'tap'
import {muxMessage, requestLocalForward} from '../../src/transport/ssh-mux.js'
import {openForward} from '../../src/transport/ssh-forward.js'

const HELLO = 0x00000001
const OPEN_FWD = 0x10000006
const OK = 0x80000001
const DENIED = 0x80000002
const FAILURE = 0x80000003
const STREAMLOCAL = 0xfffffffe

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'hijack-mux-test-'))
  t.teardown(() => rmSync(dir, {recursive: true, force: true}))
  return dir
}

/** Reads the client's messages: [type, ...fields] with strings decoded, as the master would. */
function decode(bytes: Buffer): Array<Array<number | string>> {
  const messages: Array<Array<number | string>> = []
  let offset = 0
  while (offset + 4 <= bytes.length) {
    const length = bytes.readUInt32BE(offset)
    const body = bytes.subarray(offset + 4, offset + 4 + length)
    offset += 4 + length
    const type = body.readUInt32BE(0)
    if (type === HELLO) messages.push([type, body.readUInt32BE(4)])
    else {
      // OPEN_FWD: id, forward type, listen host, listen port, connect host, connect port.
      const fields: Array<number | string> = [type, body.readUInt32BE(4), body.readUInt32BE(8)]
      let at = 12
      for (let i = 0; i < 2; i++) {
        const size = body.readUInt32BE(at)
        fields.push(body.subarray(at + 4, at + 4 + size).toString('utf8'), body.readUInt32BE(at + 4 + size))
        at += 8 + size
      }
      messages.push(fields)
    }
  }
  return messages
}

/** A fake master: `answer` gets what the client sent so far and the connection; returns its listen path. */
async function fakeMaster(t: Test, answer: (received: Buffer, socket: net.Socket) => void): Promise<string> {
  const path = join(tempDir(t), 'master')
  const server = net.createServer((socket) => {
    let received = Buffer.alloc(0)
    socket.on('error', () => {})
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk])
      answer(received, socket)
    })
  })
  await new Promise<void>((resolve) => server.listen(path, resolve))
  t.teardown(() => server.close())
  return path
}

/** Answers once both client messages are in: a hello with `version`, then `reply` (whole, or byte by byte). */
function answering(version: number, reply: Buffer, {byteByByte = false, seen}: {byteByByte?: boolean; seen?: (m: Array<Array<number | string>>) => void} = {}) {
  let done = false
  return (received: Buffer, socket: net.Socket): void => {
    const messages = decode(received)
    if (done || messages.length < 2) return
    done = true
    seen?.(messages)
    const bytes = Buffer.concat([muxMessage(HELLO, version), reply])
    if (!byteByByte) {
      socket.write(bytes)
      return
    }
    let i = 0
    const next = (): void => {
      if (i < bytes.length) socket.write(bytes.subarray(i, ++i), () => setTimeout(next, 1))
    }
    next()
  }
}

t.test('asks for exactly what `ssh -O forward -L local:remote` asks for, and takes OK', async (t) => {
  let messages: Array<Array<number | string>> = []
  const path = await fakeMaster(t, answering(4, muxMessage(OK, 0), {seen: (m) => (messages = m)}))
  const result = await requestLocalForward(path, '/tmp/x/daemon.sock', '/var/run/docker.sock', 5000)
  t.same(result, {outcome: 'forwarded'})
  t.same(messages, [
    [HELLO, 4],
    [OPEN_FWD, 0, 1, '/tmp/x/daemon.sock', STREAMLOCAL, '/var/run/docker.sock', STREAMLOCAL],
  ], 'a hello for version 4, then a local forward between two unix socket paths (request id 0)')
})

t.test('an answer split into single bytes is still read', async (t) => {
  const path = await fakeMaster(t, answering(4, muxMessage(OK, 0), {byteByByte: true}))
  t.same(await requestLocalForward(path, '/tmp/l.sock', '/r.sock', 5000), {outcome: 'forwarded'})
})

t.test('a master that says no: refused, with its reason', async (t) => {
  for (const [type, name] of [[FAILURE, 'failure'], [DENIED, 'permission denied']] as const) {
    const path = await fakeMaster(t, answering(4, muxMessage(type, 0, `no forward for you (${name})`)))
    t.same(await requestLocalForward(path, '/tmp/l.sock', '/r.sock', 5000), {outcome: 'refused', reason: `no forward for you (${name})`}, name)
  }
})

t.test('anything else fails, so that `ssh -O forward` may be tried, and never hangs', async (t) => {
  const failed = async (path: string, timeoutMs = 5000): Promise<string> => {
    const result = await requestLocalForward(path, '/tmp/l.sock', '/r.sock', timeoutMs)
    return result.outcome
  }
  t.equal(await failed(join(tempDir(t), 'none')), 'failed', 'no control socket')
  t.equal(await failed(await fakeMaster(t, answering(3, muxMessage(OK, 0)))), 'failed', 'another protocol version')
  t.equal(await failed(await fakeMaster(t, answering(4, muxMessage(0x80000099, 0)))), 'failed', 'an unknown answer')
  t.equal(await failed(await fakeMaster(t, (_received, socket) => socket.end())), 'failed', 'the master hangs up')
  t.equal(await failed(await fakeMaster(t, (_received, socket) => socket.write(Buffer.from([0xff, 0xff, 0xff, 0xff])))), 'failed',
    'a length no master sends')
  t.equal(await failed(await fakeMaster(t, (_received, socket) => socket.write(muxMessage(HELLO)))), 'failed', 'a message too short')
  t.equal(await failed(await fakeMaster(t, () => {}), 200), 'failed', 'no answer within the timeout')
})

t.test('openForward: the mux answer decides; `ssh -O forward` only when the master could not be asked', async (t) => {
  const dir = tempDir(t)
  // What the forward would lead to: something that answers a ping.
  const local = join(dir, 'daemon.sock')
  const daemon = net.createServer((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK'))
  await new Promise<void>((resolve) => daemon.listen(local, resolve))
  t.teardown(() => daemon.close())
  let runs = 0
  const run = (): ReturnType<typeof spawn> => {
    runs++
    return spawn('sh', ['-c', 'exit 0'])
  }
  const ok = await fakeMaster(t, answering(4, muxMessage(OK, 0)))
  t.equal(await openForward({path: ok, remote: '/r.sock', run, forwardArgs: [], alive: () => true}, local), true, 'forwarded by the master and answering')
  t.equal(runs, 0, 'no ssh process started')
  const refused = await fakeMaster(t, answering(4, muxMessage(FAILURE, 0, 'no')))
  t.equal(await openForward({path: refused, remote: '/r.sock', run, forwardArgs: [], alive: () => true}, local), false, 'refused: no forward')
  t.equal(runs, 0, 'a refusal is not asked again through ssh')
  t.equal(await openForward({path: join(dir, 'no-master'), remote: '/r.sock', run, forwardArgs: [], alive: () => true}, local), true,
    'no answer over the control socket: `ssh -O forward` opens it')
  t.equal(runs, 1, 'one ssh process started for it')
  t.equal(await openForward({path: join(dir, 'no-master'), remote: '/r.sock', run, forwardArgs: [], alive: () => false}, local), false,
    'a master that has ended is not asked again through ssh')
  t.equal(runs, 1, 'no ssh process started for a master that has ended')
})
