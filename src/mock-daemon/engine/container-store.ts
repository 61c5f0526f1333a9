// The daemon's containers: lookup by full id, unique id prefix, or name, as Docker resolves a reference.
import type {Container} from './container.js'

/** Lookup by full id, unique id prefix, or name with or without the leading slash, like Docker. */
export class ContainerStore {
  private readonly list: Container[] = []

  add(container: Container): void {
    if (this.list.some((c) => c.id === container.id || c.name === container.name)) {
      throw new Error(`container ${container.name} (${container.id}) already exists`)
    }
    this.list.push(container)
  }

  all(): readonly Container[] {
    return this.list
  }

  remove(container: Container): void {
    const at = this.list.indexOf(container)
    if (at >= 0) this.list.splice(at, 1)
  }

  /** undefined when not found; throws AmbiguousError for a prefix that matches several ids. */
  find(ref: string): Container | undefined {
    if (ref === '') return undefined
    const byId = this.list.find((c) => c.id === ref)
    if (byId) return byId
    const name = ref.startsWith('/') ? ref.slice(1) : ref
    const byName = this.list.find((c) => c.name === name)
    if (byName) return byName
    if (!/^[0-9a-f]+$/.test(ref)) return undefined
    const matches = this.list.filter((c) => c.id.startsWith(ref))
    if (matches.length > 1) throw new AmbiguousError(ref)
    return matches[0]
  }
}

export class AmbiguousError extends Error {
  constructor(readonly ref: string) {
    super(`multiple IDs found with provided prefix: ${ref}`)
  }
}
