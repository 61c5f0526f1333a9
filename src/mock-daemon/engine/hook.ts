// The one way the engine tells of what happened to a container (started, stopped, removed): listeners
// in a Set, each added with a function that removes it. A Set, not an EventEmitter: thousands of execs
// come and go on one container, and each removal must not scan the others.

export class Hook<T> {
  private readonly listeners = new Set<(value: T) => void>()

  /** Adds `listener`; the returned function removes it. */
  on(listener: (value: T) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Calls every listener added before this call (one added by a listener waits for the next emit). */
  emit(value: T): void {
    for (const listener of [...this.listeners]) listener(value)
  }

  clear(): void {
    this.listeners.clear()
  }
}

/** Resolves with the value of whichever hook emits first, and leaves no listener on the other. */
export function first<T>(a: Hook<T>, b: Hook<T>): Promise<T> {
  return new Promise((resolve) => {
    const done = (value: T): void => {
      offA()
      offB()
      resolve(value)
    }
    const offA = a.on(done)
    const offB = b.on(done)
  })
}
