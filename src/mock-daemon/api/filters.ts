// Docker's `filters` query parameter, shared by every list endpoint: the JSON forms it accepts. Which
// keys an endpoint knows and how they match stays with the endpoint (container-filters.ts, swarm.ts).
import {ApiError} from '../server/api-error.js'

/**
 * `filters` in either of Docker's JSON forms, {"key": ["v"]} or the older {"key": {"v": true}}: every key
 * with its values (a key with none is kept, so the endpoint still checks its name). Absent or blank: none.
 */
export function parseFilterJson(raw: string | null): Map<string, string[]> {
  const filters = new Map<string, string[]>()
  if (raw === null || raw.trim() === '') return filters
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch (error) {
    throw new ApiError(400, `invalid filter: ${(error as Error).message}`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ApiError(400, 'invalid filter: expected a JSON object')
  for (const [key, value] of Object.entries(parsed)) {
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) filters.set(key, value)
    else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      filters.set(key, Object.entries(value).filter(([, on]) => on === true).map(([v]) => v))
    } else throw new ApiError(400, `invalid filter '${key}'`)
  }
  return filters
}
