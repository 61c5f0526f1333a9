// Docker's detach-key grammar and the filter that watches stdin for the sequence; both sides use it.
import {Transform, type TransformCallback} from 'node:stream'
import {ProtocolError} from './errors.js'

export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q'

/** A detach-key spec outside Docker's grammar. */
export class DetachKeysError extends ProtocolError {}

/**
 * Parses Docker's detach-key syntax: comma-separated `ctrl-<a-z @ [ \ ] ^ _>` or single characters.
 * Invalid input is a DetachKeysError (Docker's daemon refuses it too): the CLI reports it as a usage
 * error (exit 125), the mock daemon answers 400.
 */
export function parseDetachKeys(spec: string): number[] {
  const keys: number[] = []
  for (const part of spec.split(',')) {
    const key = part.trim()
    if (key.length === 1) {
      keys.push(key.charCodeAt(0))
      continue
    }
    const ctrl = /^ctrl-(.)$/i.exec(key)
    if (ctrl) {
      const ch = ctrl[1]
      if (/^[a-z]$/i.test(ch)) {
        keys.push(ch.toLowerCase().charCodeAt(0) - 96)
        continue
      }
      const special = '@[\\]^_'.indexOf(ch)
      if (special >= 0) {
        keys.push(special === 0 ? 0 : 26 + special)
        continue
      }
    }
    throw new DetachKeysError(`Invalid detach keys (${spec}) provided: use ctrl-<value> (a-z @ [ \\ ] ^ _) or single characters, comma-separated`)
  }
  return keys
}

/**
 * Passes input through until the detach sequence is typed, then emits 'detach' and swallows the rest.
 * A matched prefix is held back until the next byte shows whether it was the sequence (as Docker does).
 */
export class DetachKeyFilter extends Transform {
  private matched = 0
  private detached = false

  constructor(private readonly keys: readonly number[]) {
    super()
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.detached) {
      callback()
      return
    }
    // Held bytes are always keys[0..matched), so they are re-created from the keys when released.
    let runStart = 0
    for (let i = 0; i < chunk.length; i++) {
      if (this.matched > 0 && chunk[i] !== this.keys[this.matched]) {
        this.push(Buffer.from(this.keys.slice(0, this.matched)))
        this.matched = 0
      }
      if (chunk[i] === this.keys[this.matched]) {
        if (this.matched === 0 && i > runStart) this.push(chunk.subarray(runStart, i))
        this.matched++
        runStart = i + 1
        if (this.matched === this.keys.length) {
          this.detached = true
          this.emit('detach')
          callback()
          return
        }
      }
    }
    if (this.matched === 0 && runStart < chunk.length) this.push(chunk.subarray(runStart))
    callback()
  }

  override _flush(callback: TransformCallback): void {
    if (this.matched > 0 && !this.detached) this.push(Buffer.from(this.keys.slice(0, this.matched)))
    callback()
  }
}
