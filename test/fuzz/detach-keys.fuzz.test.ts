// Properties of detach keys (src/protocol/detach-keys.ts): any spec parses or is a DetachKeysError; a
// spec written from keys parses back to them; and the filter, on any input in any chunks, passes every
// byte before the sequence on unchanged, and everything when the sequence never comes.
import {PassThrough} from 'node:stream'
import fc from 'fast-check'
import t from 'tap'
import {DetachKeyFilter, DetachKeysError, parseDetachKeys} from '../../src/protocol/detach-keys.js'
import {check} from './fuzz-config.js'
import {cuts} from './arbitraries.js'

const ctrlNames = [...'abcdefghijklmnopqrstuvwxyz@[\\]^_']
const ctrlCode = (ch: string): number => (ch === '@' ? 0 : /[a-z]/.test(ch) ? ch.charCodeAt(0) - 96 : 26 + '@[\\]^_'.indexOf(ch))
/** One key as Docker spells it, with the byte it stands for. */
const key = fc.oneof(
  fc.constantFrom(...ctrlNames).chain((ch) => fc.constantFrom(`ctrl-${ch}`, `CTRL-${ch.toUpperCase()}`, ` ctrl-${ch} `).map((spec) => ({spec, code: ctrlCode(ch)}))),
  fc.integer({min: 0x21, max: 0x7e}).filter((c) => c !== 0x2c).map((c) => ({spec: String.fromCharCode(c), code: c})),
)

t.test('any spec: keys or a DetachKeysError', async (t) => {
  const spec = fc.oneof(fc.string({maxLength: 20}), fc.array(fc.oneof(fc.constantFrom('ctrl-', 'ctrl-1', 'ctrl-', ',', ' ', 'ctrl-p'), fc.string({maxLength: 3})), {maxLength: 5}).map((a) => a.join('')))
  await check(t, 'detach-keys: typed errors', fc.property(spec, (s) => {
    try {
      const keys = parseDetachKeys(s)
      return keys.length > 0 && keys.every((k) => Number.isInteger(k) && k >= 0 && k <= 0xffff)
    } catch (error) {
      if (error instanceof DetachKeysError) return true
      throw error
    }
  }), 1000)
})

t.test('specs round-trip: the keys written out parse back to their bytes', async (t) => {
  await check(t, 'detach-keys: round-trip', fc.property(fc.array(key, {minLength: 1, maxLength: 4}), (keys) =>
    JSON.stringify(parseDetachKeys(keys.map((k) => k.spec).join(','))) === JSON.stringify(keys.map((k) => k.code))), 1000)
})

async function filter(keys: number[], chunks: Buffer[]): Promise<{out: Buffer; detached: boolean}> {
  const f = new DetachKeyFilter(keys)
  const out: Buffer[] = []
  let detached = false
  f.on('detach', () => { detached = true })
  const sink = new PassThrough()
  sink.on('data', (c: Buffer) => out.push(c))
  f.pipe(sink)
  for (const chunk of chunks) f.write(chunk)
  f.end()
  await new Promise((r) => sink.on('end', r))
  return {out: Buffer.concat(out), detached}
}

t.test('the filter loses nothing: input before the sequence passes unchanged, all of it without one', async (t) => {
  const keys = fc.array(fc.integer({min: 0, max: 5}), {minLength: 1, maxLength: 3})
  // Bytes drawn from a small alphabet so that keys, prefixes of keys and near-misses are common.
  const input = fc.uint8Array({maxLength: 60, max: 6}).map((a) => Buffer.from(a))
  await check(t, 'detach-keys: filter', fc.asyncProperty(keys, input, cuts, async (k, bytes, cut) => {
    const {out, detached} = await filter(k, cut(bytes))
    const seq = Buffer.from(k)
    if (!detached) return out.equals(bytes) // nothing held back, nothing lost
    // Detached: what came out, then the sequence itself, is exactly the start of the input.
    if (!bytes.subarray(0, out.length + seq.length).equals(Buffer.concat([out, seq]))) return false
    // When the first key does not recur in the sequence, a match never overlaps a false start, so the
    // sequence is caught at its first occurrence. (With repeats, e.g. a,a,b on "aaab", neither we nor
    // Docker's escape proxy back-track; that is Docker's behaviour, not a loss.)
    return k.indexOf(k[0], 1) !== -1 || out.length === bytes.indexOf(seq)
  }), 500, 5000)
})
