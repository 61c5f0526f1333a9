// How a mock connection ends. Every cut goes through closeNow(), the one place a socket is destroyed;
// an orderly end (our last bytes, then FIN) goes through endThenClose() or, for a hijacked stream,
// linger(): the client should then close its side, and one that never does is cut by a shared sweep.
import type {Socket} from 'node:net'
import {performance} from 'node:perf_hooks'

/** Cuts the connection now: a client's reset, a broken request, a cut fault, shutdown or a linger timeout. */
export function closeNow(socket: Socket): void {
  socket.destroy()
}

/** A listener that does nothing, shared (no closure per connection). */
export function ignore(): void {}

/** How long a finished session waits for the client to close its side. */
const LINGER_MS = 30_000
/** How often the lingering sessions are looked at: a session lingers LINGER_MS to LINGER_MS + SWEEP_MS. */
const SWEEP_MS = 1000

/** Sockets whose output has ended, with the time (performance.now()) they are cut if still open. */
const lingering = new Map<Socket, number>()
let sweeper: NodeJS.Timeout | undefined

function stopLingering(this: Socket): void {
  lingering.delete(this)
}

function sweepLingering(): void {
  const now = performance.now()
  // Insertion order is deadline order (the delay is constant): stop at the first one still in time.
  for (const [socket, deadline] of lingering) {
    if (deadline > now) break
    lingering.delete(socket)
    closeNow(socket)
  }
  if (lingering.size === 0 && sweeper) {
    clearInterval(sweeper)
    sweeper = undefined
  }
}

/** After our FIN the client should close its side; one that never does is not kept forever. */
export function linger(socket: Socket): void {
  if (socket.destroyed || lingering.has(socket)) return
  lingering.set(socket, performance.now() + LINGER_MS)
  socket.on('close', stopLingering)
  sweeper ??= setInterval(sweepLingering, SWEEP_MS).unref()
}

/**
 * Our last bytes, then FIN. What the client still sends is discarded, and one that never closes is cut
 * by the linger sweep (the server allows half-open connections, so an end() alone would keep its
 * descriptor forever). The caller has stopped reading HTTP from the socket.
 */
export function endThenClose(socket: Socket, last?: Buffer): void {
  socket.on('data', ignore)
  socket.resume()
  if (last) socket.end(last)
  else socket.end()
  linger(socket)
}
