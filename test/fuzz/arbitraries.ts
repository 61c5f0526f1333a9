// Shared generators for the fuzz tests: bytes cut into chunks at arbitrary places.
import fc from 'fast-check'

/** A function that cuts a buffer at up to 6 places (positions drawn once, taken modulo its length). */
export const cuts = fc.array(fc.nat(), {maxLength: 6}).map((positions) => (bytes: Buffer): Buffer[] => {
  const at = [...new Set(positions.map((p) => (bytes.length === 0 ? 0 : p % bytes.length)))].filter((p) => p > 0).sort((a, b) => a - b)
  const chunks: Buffer[] = []
  let from = 0
  for (const p of at) {
    chunks.push(bytes.subarray(from, p))
    from = p
  }
  chunks.push(bytes.subarray(from))
  return chunks.filter((c) => c.length > 0)
})

/** Bytes from `source` together with one way of cutting them into chunks. */
export function chunked(source: fc.Arbitrary<Buffer>): fc.Arbitrary<{bytes: Buffer; chunks: Buffer[]}> {
  return fc.tuple(source, cuts).map(([bytes, cut]) => ({bytes, chunks: cut(bytes)}))
}
