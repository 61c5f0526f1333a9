// Podman 4.3's attach logs=1 replay, broken as it is on the wire, so clients can meet it without podman.
// Podman replays its log file one record per line, from both streams whatever stdout/stderr asked for,
// and gives a complete line a header that counts the line WITHOUT its "\n", then sends the "\n" anyway:
// a stdcopy parser takes the "\n" for the next header's stream type (10). A last piece without "\n"
// (a partial record) gets a correct header. GET /logs and the live stream after the replay are correct.
import {frameHeader} from '../../protocol/stdcopy.js'
import type {LogEntry} from '../engine/output-log.js'

/** The replayed log as podman sends it without a TTY (with one, the replay is the raw bytes: no frames). */
export function podmanLogReplay(entries: readonly LogEntry[]): Buffer {
  const parts: Buffer[] = []
  for (const {type, data} of entries) {
    let at = 0
    while (at < data.length) {
      const newline = data.indexOf(0x0a, at)
      const end = newline < 0 ? data.length : newline
      parts.push(frameHeader(type, end - at), data.subarray(at, newline < 0 ? end : end + 1))
      at = newline < 0 ? end : end + 1
    }
  }
  return Buffer.concat(parts)
}
