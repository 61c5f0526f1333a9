import v8 from 'node:v8'
import vm from 'node:vm'

type Gc = (options?: {type?: 'minor' | 'major'}) => void

let gc: Gc | null | undefined

/** V8's gc(), exposed on first use; null where it cannot be had (then pacing is simply off). */
function loadGc(): Gc | null {
  if (gc !== undefined) return gc
  try {
    v8.setFlagsFromString('--expose-gc')
    gc = vm.runInNewContext('gc') as Gc
  } catch {
    gc = null
  }
  return gc
}

/**
 * Every stream read allocates a fresh buffer, and V8 only collects young garbage once ~64 MiB of
 * external memory has piled up: a long copy peaked near 100 MiB RSS. A minor GC (a scavenge of the
 * young generation, well under a millisecond when little is alive) every few MiB streamed frees the
 * dead buffers early and keeps the peak flat, whatever the stream size.
 */
export class GcPacer {
  private bytes = 0
  private scavenges = 0

  /**
   * @param everyBytes bytes streamed between minor GCs
   * @param majorEvery every this many minor GCs, a full one: buffers held across a scavenge (while a
   *   destination was full) get promoted, and only a full GC frees those.
   */
  constructor(private readonly everyBytes = 8 * 1024 * 1024, private readonly majorEvery = 4) {}

  account(bytes: number): void {
    this.bytes += bytes
    if (this.bytes < this.everyBytes) return
    this.bytes = 0
    this.scavenges++
    loadGc()?.({type: this.scavenges % this.majorEvery === 0 ? 'major' : 'minor'})
  }
}
