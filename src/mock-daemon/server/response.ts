// Response heads as the mock writes them: Docker's common headers, dockerd's reason phrases.
import {STATUS_CODES} from 'node:http'
import {API_VERSION, ENGINE_VERSION} from '../version.js'

/** What dockerd sends on every answer. */
export const COMMON_HEADERS: Readonly<Record<string, string>> = {
  'Api-Version': API_VERSION,
  'Docker-Experimental': 'false',
  Ostype: 'linux',
  Server: `Docker/${ENGINE_VERSION} (linux)`,
}

export function reasonPhrase(status: number): string {
  if (status === 101) return 'UPGRADED' // dockerd's wording
  return STATUS_CODES[status] ?? 'Unknown'
}

/** Serialises a response head. */
export function responseHead(status: number, headers: Record<string, string | number>): Buffer {
  let text = `HTTP/1.1 ${status} ${reasonPhrase(status)}\r\n`
  for (const [name, value] of Object.entries(headers)) text += `${name}: ${value}\r\n`
  return Buffer.from(`${text}\r\n`, 'latin1')
}

export function jsonBody(value: unknown): Buffer {
  return Buffer.from(`${JSON.stringify(value)}\n`)
}
