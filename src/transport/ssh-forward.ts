// Beyond Docker over ssh: connections go through a local forward on the run's ssh master (what
// `ssh -O forward -L local.sock:remote.sock` sets up, asked for over the master's control socket), each a
// channel of the connection already made, instead of a new remote session that starts the user's shell
// and `docker system dial-stdio` each time (that start, not the handshake, is most of a connection's cost
// on a host with a busy shell rc). It needs the remote daemon's unix socket: the URL's path, or what the
// remote `docker` reports in the master's session just before it runs dial-stdio. Anything else (a remote
// TCP or ssh endpoint, a refused forward) keeps Docker's way: dial-stdio sessions.
import type {ChildProcess} from 'node:child_process'
import net from 'node:net'
import {requestLocalForward} from './ssh-mux.js'

/** Starts the line the master's session prints before its stream, when the URL names no socket. */
export const ENDPOINT_MARKER = 'hijack-endpoint '

/** The remote socket path of an endpoint the remote `docker` reported, if it is a unix socket. */
export function remoteSocketPath(endpoint: string | undefined): string | undefined {
  return endpoint?.startsWith('unix:///') ? endpoint.slice('unix://'.length) : undefined
}

/** How long opening, then checking, a forward may take before dial-stdio sessions are used instead. */
const FORWARD_CHECK_MS = 10_000

/** The master to ask: its control socket, the remote socket, how to run `ssh -O forward`, whether it still runs. */
export interface ForwardControl {
  path: string
  remote: string
  run: (args: string[]) => ChildProcess
  forwardArgs: string[]
  alive: () => boolean
}

/**
 * Opens the forward through the master's control socket (the mux protocol, no process started; should
 * the master not speak it, `ssh <args> -O forward -L local:remote` asks instead) and checks that a daemon
 * answers through it; resolves false on any failure.
 */
export async function openForward(control: ForwardControl, localPath: string): Promise<boolean> {
  const asked = await requestLocalForward(control.path, localPath, control.remote, FORWARD_CHECK_MS)
  if (asked.outcome === 'refused' || !control.alive()) return false
  const opened = asked.outcome === 'forwarded' || await forwardWithSsh(control.run, control.forwardArgs)
  return opened && answersPing(localPath)
}

/** `ssh -O forward ...`: true once it exited 0. */
function forwardWithSsh(run: (args: string[]) => ChildProcess, forwardArgs: string[]): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const child = run(forwardArgs)
    const timer = setTimeout(() => {
      child.kill('SIGTERM')
      resolve(false)
    }, FORWARD_CHECK_MS)
    const done = (ok: boolean): void => {
      clearTimeout(timer)
      resolve(ok)
    }
    child.on('error', () => done(false))
    child.on('close', (code) => done(code === 0))
  })
}

/** Whether a Docker daemon answers `GET /_ping` on `path` (any HTTP status: something is there). */
function answersPing(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({path})
    let answer = ''
    const done = (ok: boolean): void => {
      clearTimeout(timer)
      socket.destroy()
      resolve(ok)
    }
    const timer = setTimeout(() => done(false), FORWARD_CHECK_MS)
    socket.on('error', () => done(false))
    socket.on('close', () => done(/^HTTP\/1\.\d \d{3}/.test(answer)))
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1')
      if (answer.includes('\r\n')) done(/^HTTP\/1\.\d \d{3}/.test(answer))
    })
    socket.write('GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n')
  })
}
