type Gc = (options?: {type?: 'minor'}) => void

/** V8's gc(): undefined until loaded, null where it cannot be had (then pacing is simply off). */
let gc: Gc | null | undefined
let loading: Promise<void> | undefined

/**
 * Loads gc() in the background on first use: node:v8 and node:vm cost ~2 ms to load, which a short
 * run (no pacing needed below 8 MiB) should not pay at start-up.
 */
function loadGc(): Gc | null | undefined {
  loading ??= Promise.all([import('node:v8'), import('node:vm')]).then(([v8, vm]) => {
    try {
      v8.default.setFlagsFromString('--expose-gc')
      gc = vm.default.runInNewContext('gc') as Gc
    } catch {
      gc = null
    }
  })
  return gc
}

/**
 * The CLI's own business: this turns on V8's --expose-gc at run time, which a library must never do to
 * the process it runs in, so the transport only reports bytes (runSession's onBytes) and the CLI paces.
 *
 * Every stream read allocates a fresh buffer, and V8 only collects young garbage once ~64 MiB of
 * external memory has piled up: a long copy peaked near 100 MiB RSS. A minor GC (a scavenge of the
 * young generation, well under a millisecond when little is alive) every few MiB streamed frees the
 * dead buffers early and keeps the peak flat, whatever the stream size. Scavenges alone suffice:
 * 1 GiB peaks at ~58 MiB. (Full GCs were meant to run too, but Node 20's V8 reads gc({type: 'major'})
 * as a scavenge; real ones, tried since, changed nothing in the peak.)
 */
export class GcPacer {
  private bytes = 0

  /** @param everyBytes bytes streamed between minor GCs */
  constructor(private readonly everyBytes = 8 * 1024 * 1024) {}

  account(bytes: number): void {
    this.bytes += bytes
    if (this.bytes < this.everyBytes) {
      if (this.bytes >= this.everyBytes / 2) loadGc() // so it is there when the first pacing is due
      return
    }
    this.bytes = 0
    loadGc()?.({type: 'minor'})
  }
}
