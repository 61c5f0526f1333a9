// An exec's `User` ("user[:group]", each a name or a number) resolved as dockerd 20.10 does (through
// runc's user package), against the passwd and group files the command sees.
import {readFileSync} from 'node:fs'

export interface ResolvedUser {
  uid: number
  gid: number
  /** The passwd entry's home, else "/": HOME for a command whose environment has none. */
  home: string
}

/** A user or group that cannot be had; the message is dockerd's, and the exec exits 126. */
export class UserLookupError extends Error {}

const MAX_ID = 2_147_483_647

interface Entry {
  name: string
  id: number
  gid: number
  home: string
}

/** `name:x:id:...` lines; for passwd also the primary group and home. Malformed lines are skipped. */
function parseEntries(text: string, passwd: boolean): Entry[] {
  const entries: Entry[] = []
  for (const line of text.split('\n')) {
    const fields = line.trim().split(':')
    if (fields.length < 3 || fields[0] === '' || fields[0].startsWith('#') || !/^\d+$/.test(fields[2])) continue
    entries.push({
      name: fields[0],
      id: Number(fields[2]),
      gid: passwd && /^\d+$/.test(fields[3] ?? '') ? Number(fields[3]) : 0,
      home: passwd ? fields[5] || '/' : '/',
    })
  }
  return entries
}

/** A decimal id (signed, as Go's Atoi reads it), or undefined for a name. */
function numeric(arg: string): number | undefined {
  return /^[+-]?\d+$/.test(arg) ? Number(arg) : undefined
}

function inRange(id: number): number {
  if (id < 0 || id > MAX_ID) throw new UserLookupError(`uids and gids must be in range 0-${MAX_ID}`)
  return id
}

/**
 * Resolves `spec` against the texts of a passwd and a group file. A number matches an entry by id and
 * stands for itself when none matches (group 0 and home "/" then); a name must match. An empty user
 * part means root; an empty group part, the user's own group.
 */
export function resolveUser(spec: string, passwd: string, group: string): ResolvedUser {
  const colon = spec.indexOf(':')
  const userArg = (colon < 0 ? spec : spec.slice(0, colon)) || '0'
  const groupArg = colon < 0 ? '' : spec.slice(colon + 1)
  const uidArg = numeric(userArg)
  const user = parseEntries(passwd, true).find((e) => (uidArg === undefined ? e.name === userArg : e.id === uidArg))
  let resolved: ResolvedUser
  if (user) resolved = {uid: user.id, gid: user.gid, home: user.home}
  else if (uidArg !== undefined) resolved = {uid: inRange(uidArg), gid: 0, home: '/'}
  else throw new UserLookupError(`unable to find user ${userArg}: no matching entries in passwd file`)
  if (groupArg === '') return resolved
  const gidArg = numeric(groupArg)
  const found = parseEntries(group, false).find((e) => (gidArg === undefined ? e.name === groupArg : e.id === gidArg))
  if (found) return {...resolved, gid: found.id}
  if (gidArg !== undefined) return {...resolved, gid: inRange(gidArg)}
  throw new UserLookupError(`unable to find group ${groupArg}: no matching entries in group file`)
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}

/** `spec` resolved against this machine's /etc/passwd and /etc/group (a process-runtime container is the host). */
export function resolveHostUser(spec: string): ResolvedUser {
  return resolveUser(spec, readOrEmpty('/etc/passwd'), readOrEmpty('/etc/group'))
}
