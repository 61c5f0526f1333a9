import type {DockerApi} from '../transport/docker-api.js'
import {HijackError} from '../transport/errors.js'

/** How long an exec may go on saying Running after its output ended before we give up. */
export const EXIT_CODE_WAIT_MS = 10_000

/**
 * The exec's exit status, read after output EOF. Daemons can report `Running: true, ExitCode: null`
 * for a moment after the stream ends; Docker then reports 0, we poll until the real code arrives.
 */
export async function execExitCode(api: Pick<DockerApi, 'inspectExec'>, execId: string, budgetMs = EXIT_CODE_WAIT_MS): Promise<number> {
  const deadline = Date.now() + budgetMs
  for (let delay = 5; ; delay = Math.min(delay * 2, 250)) {
    const info = await api.inspectExec(execId)
    if (!info.Running && typeof info.ExitCode === 'number') return info.ExitCode
    if (Date.now() + delay > deadline) {
      throw new HijackError(`the exec's output ended but it still reports running after ${budgetMs / 1000} s: exit code unknown`)
    }
    await new Promise((resolve) => setTimeout(resolve, delay))
  }
}
