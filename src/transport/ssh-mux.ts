// Just enough of OpenSSH's control-socket protocol (PROTOCOL.mux in OpenSSH) to ask a running master
// for a local forward: what `ssh -O forward -L local:remote` sends, without starting an ssh process for
// it (that process costs 20-50 ms, on the critical path of a run over ssh). Each message is a uint32
// length then its body; the client and master first exchange hellos naming protocol version 4.
import net from 'node:net'

const MUX_MSG_HELLO = 0x00000001
const MUX_C_OPEN_FWD = 0x10000006
const MUX_S_OK = 0x80000001
const MUX_S_PERMISSION_DENIED = 0x80000002
const MUX_S_FAILURE = 0x80000003
const MUX_VERSION = 4
const MUX_FWD_LOCAL = 1
/** OpenSSH's PORT_STREAMLOCAL (-2 as a uint32): the host field is a unix socket path. */
const PORT_STREAMLOCAL = 0xfffffffe
/** Our messages are tiny; an answer this long is not a master's. */
const MAX_MESSAGE = 64 * 1024

/**
 * `forwarded`: the master listens on the local path. `refused`: the master said no (its words in
 * `reason`; `ssh -O forward` would be told the same). `failed`: no usable answer (no master, another
 * protocol version, a timeout): the caller may still try `ssh -O forward`.
 */
export type MuxForwardResult = {outcome: 'forwarded'} | {outcome: 'refused' | 'failed'; reason: string}

/** One message: each field a uint32, or a string (uint32 length, then its bytes). */
export function muxMessage(...fields: Array<number | string>): Buffer {
  const parts = fields.map((field) => {
    if (typeof field === 'number') {
      const word = Buffer.alloc(4)
      word.writeUInt32BE(field)
      return word
    }
    const bytes = Buffer.from(field, 'utf8')
    const length = Buffer.alloc(4)
    length.writeUInt32BE(bytes.length)
    return Buffer.concat([length, bytes])
  })
  const body = Buffer.concat(parts)
  const length = Buffer.alloc(4)
  length.writeUInt32BE(body.length)
  return Buffer.concat([length, body])
}

/** Splits whole messages off a byte stream; a part message waits for the rest. */
class MessageReader {
  private pending = Buffer.alloc(0)

  /** The bodies complete so far, or an Error for a length no master sends. */
  push(chunk: Buffer): Buffer[] | Error {
    this.pending = Buffer.concat([this.pending, chunk])
    const bodies: Buffer[] = []
    while (this.pending.length >= 4) {
      const length = this.pending.readUInt32BE(0)
      if (length > MAX_MESSAGE) return new Error(`a ${length}-byte message`)
      if (this.pending.length < 4 + length) break
      bodies.push(this.pending.subarray(4, 4 + length))
      this.pending = this.pending.subarray(4 + length)
    }
    return bodies
  }
}

/** The string field at `offset` of a message body, if there is one. */
function stringAt(body: Buffer, offset: number): string | undefined {
  if (body.length < offset + 4) return undefined
  const length = body.readUInt32BE(offset)
  return body.length < offset + 4 + length ? undefined : body.subarray(offset + 4, offset + 4 + length).toString('utf8')
}

/**
 * Asks the master behind `controlPath` to listen on `localPath` and forward what connects there to
 * `remotePath` on the server, as `ssh -O forward -L localPath:remotePath` does.
 */
export function requestLocalForward(controlPath: string, localPath: string, remotePath: string, timeoutMs: number): Promise<MuxForwardResult> {
  return new Promise((resolve) => {
    const socket = net.connect({path: controlPath})
    const reader = new MessageReader()
    let helloSeen = false
    const timer = setTimeout(() => done({outcome: 'failed', reason: `no answer from the ssh master in ${timeoutMs} ms`}), timeoutMs)
    function done(result: MuxForwardResult): void {
      clearTimeout(timer)
      socket.destroy()
      resolve(result)
    }
    socket.on('error', (error) => done({outcome: 'failed', reason: error.message}))
    socket.on('close', () => done({outcome: 'failed', reason: 'the ssh master closed its control connection'}))
    socket.on('data', (chunk: Buffer) => {
      const bodies = reader.push(chunk)
      if (bodies instanceof Error) return done({outcome: 'failed', reason: `not an ssh master's answer (${bodies.message})`})
      for (const body of bodies) {
        if (body.length < 8) return done({outcome: 'failed', reason: 'a message too short to be a master\'s'})
        const type = body.readUInt32BE(0)
        if (!helloSeen) {
          const version = body.readUInt32BE(4)
          if (type !== MUX_MSG_HELLO || version !== MUX_VERSION) {
            return done({outcome: 'failed', reason: `the master speaks control protocol ${type === MUX_MSG_HELLO ? version : 'unknown'}, not ${MUX_VERSION}`})
          }
          helloSeen = true
          continue
        }
        // [type, request id, ...]: our one request has id 0.
        if (type === MUX_S_OK) return done({outcome: 'forwarded'})
        if (type === MUX_S_PERMISSION_DENIED || type === MUX_S_FAILURE) {
          return done({outcome: 'refused', reason: stringAt(body, 8) ?? 'no reason given'})
        }
        return done({outcome: 'failed', reason: `unexpected answer 0x${type.toString(16)} from the ssh master`})
      }
    })
    // The hello and the request leave together: the master reads them in order.
    socket.write(Buffer.concat([
      muxMessage(MUX_MSG_HELLO, MUX_VERSION),
      muxMessage(MUX_C_OPEN_FWD, 0, MUX_FWD_LOCAL, localPath, PORT_STREAMLOCAL, remotePath, PORT_STREAMLOCAL),
    ]))
  })
}
