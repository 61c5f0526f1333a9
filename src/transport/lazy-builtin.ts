// Node built-ins that cost start-up time and that most runs never use (node:tls, with the crypto under
// it, takes ~5 ms to load: every run over a unix socket or ssh paid it) are loaded on first use.
import {createRequire} from 'node:module'

const load = createRequire(import.meta.url)

/** A getter that loads the built-in module `id` the first time it is called. */
export function lazyBuiltin<T>(id: string): () => T {
  let loaded: T | undefined
  return () => (loaded ??= load(id) as T)
}
