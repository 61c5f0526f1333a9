/** Signals a user can send that are worth passing on; SIGCHLD, SIGPIPE, SIGURG and SIGWINCH are ours. */
export const PROXIED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGALRM']

/** Three INT/TERM in a row without the container stopping: the user wants out. */
export const FORCE_EXIT_AFTER = 3

/**
 * Forwards every signal we receive to the container (`kill?signal=NAME`, no SIG prefix) instead of
 * dying from it. `onForceExit` runs at the third INT/TERM in a row. Returns a stop function.
 */
export function proxySignals(
  forward: (name: string) => Promise<void>,
  onForceExit: (signal: NodeJS.Signals) => void,
  onForwardError: (error: Error) => void = () => {},
  events: Pick<NodeJS.EventEmitter, 'on' | 'off'> = process,
): () => void {
  let interrupts = 0
  const handler = (signal: NodeJS.Signals): void => {
    if (signal === 'SIGINT' || signal === 'SIGTERM') {
      interrupts++
      if (interrupts >= FORCE_EXIT_AFTER) {
        onForceExit(signal)
        return
      }
    } else interrupts = 0
    forward(signal.replace(/^SIG/, '')).catch(onForwardError)
  }
  for (const signal of PROXIED_SIGNALS) events.on(signal, handler)
  return () => {
    for (const signal of PROXIED_SIGNALS) events.off(signal, handler)
  }
}
