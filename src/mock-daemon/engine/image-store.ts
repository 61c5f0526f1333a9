// The images the mock knows: every image a container names (config or create) and every image pulled.
// Nothing is ever downloaded: an image is a name, a made-up id and the time it was first named.
import {createHash} from 'node:crypto'

export interface MockImage {
  /** `sha256:` and 64 hex digits, derived from the name so it is the same on every run. */
  id: string
  /** Familiar `repo:tag` names, as `docker images` shows them. */
  repoTags: string[]
  /** Unix seconds. */
  created: number
}

/**
 * Docker's familiar form of a reference: `alpine` is `alpine:latest`, `docker.io/library/alpine:3` is
 * `alpine:3`. A digest reference (`x@sha256:...`) stays as given. undefined when it is not a valid reference.
 */
export function familiarName(ref: string): string | undefined {
  // The reference grammar, simplified: lower-case path components, an optional host with port, tag, digest.
  const m = /^((?:[a-z0-9]+(?:[._-]+[a-z0-9]+)*(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::([\w][\w.-]{0,127}))?(@sha256:[0-9a-f]{64})?$/.exec(ref)
  if (!m) return undefined
  let repo = m[1]
  if (repo.startsWith('docker.io/')) repo = repo.slice('docker.io/'.length)
  if (repo.startsWith('library/') && repo.split('/').length === 2) repo = repo.slice('library/'.length)
  if (m[3]) return `${repo}${m[2] ? `:${m[2]}` : ''}${m[3]}`
  return `${repo}:${m[2] ?? 'latest'}`
}

/** The fully qualified form pull prints last (`docker.io/library/alpine:latest`). */
export function qualifiedName(familiar: string): string {
  const first = familiar.split('/')[0]
  const hasHost = familiar.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')
  if (hasHost) return familiar
  return familiar.includes('/') ? `docker.io/${familiar}` : `docker.io/library/${familiar}`
}

function imageId(name: string): string {
  return `sha256:${createHash('sha256').update(`hijack-mock-image:${name}`).digest('hex')}`
}

export class ImageStore {
  private readonly byName = new Map<string, MockImage>()

  /** Adds the image (if new); returns it, or undefined for a name that is not a valid reference. */
  add(ref: string): MockImage | undefined {
    const name = familiarName(ref)
    if (!name) return undefined
    let image = this.byName.get(name)
    if (!image) {
      image = {id: imageId(name), repoTags: [name], created: Math.floor(Date.now() / 1000)}
      this.byName.set(name, image)
    }
    return image
  }

  /** By name (any form), full id, or id prefix (with or without `sha256:`), as dockerd looks them up. */
  find(ref: string): MockImage | undefined {
    const name = familiarName(ref)
    if (name && this.byName.has(name)) return this.byName.get(name)
    const hex = ref.startsWith('sha256:') ? ref.slice(7) : ref
    if (!/^[0-9a-f]{4,64}$/.test(hex)) return undefined
    const matches = this.all().filter((image) => image.id.slice(7).startsWith(hex))
    return matches.length === 1 ? matches[0] : undefined
  }

  remove(image: MockImage): void {
    for (const name of image.repoTags) this.byName.delete(name)
  }

  /** Newest first, as `docker images` lists them. */
  all(): MockImage[] {
    return [...this.byName.values()].reverse()
  }
}
