// Engine API version rules, the same for the client (negotiation) and the mock daemon (routing).
/**
 * Compares Engine API versions part by part, as moby's api/types/versions does: missing parts count
 * as 0 and so does a part that is not a number ("1.41" < "1.100", "9" > "1.47").
 */
export function compareVersions(a: string, b: string): number {
  const as = a.split('.')
  const bs = b.split('.')
  for (let i = 0; i < Math.max(as.length, bs.length); i++) {
    const x = Number.parseInt(as[i] ?? '0', 10) || 0
    const y = Number.parseInt(bs[i] ?? '0', 10) || 0
    if (x !== y) return x - y
  }
  return 0
}

/**
 * A request path's API version prefix, as dockerd's routes match it (`/v{version:[0-9.]+}/...`, so
 * `/v9/_ping` is a version that is too new, not an unknown page). Undefined version: no prefix.
 */
export function splitVersionPrefix(path: string): {version: string | undefined; path: string} {
  const m = /^\/v([0-9.]+)(\/.*)$/.exec(path)
  return m ? {version: m[1], path: m[2]} : {version: undefined, path}
}
