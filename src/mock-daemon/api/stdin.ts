// Detach keys on a TTY session's stdin (dockerd only looks for them when a TTY is attached).
import type {Writable} from 'node:stream'
import {DEFAULT_DETACH_KEYS, DetachKeyFilter, parseDetachKeys} from '../../protocol/detach-keys.js'

/**
 * A Writable in front of `stdin` that swallows the detach sequence and calls `onDetach` when it is typed.
 * `spec` was validated when the exec or attach was requested ('' means Docker's default ctrl-p,ctrl-q).
 * `endStdin`: whether ending the filter ends `stdin` (attach without StdinOnce must not).
 */
export function detachFilter(stdin: Writable, spec: string, onDetach: () => void, endStdin = true): Writable {
  const filter = new DetachKeyFilter(parseDetachKeys(spec || DEFAULT_DETACH_KEYS))
  filter.pipe(stdin, {end: endStdin})
  filter.once('detach', onDetach)
  return filter
}
