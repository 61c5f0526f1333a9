// Fan-out results: one record per container, the exit-code rule, and the --json lines.

/** A swarm task's identity (`exec --service`), after the common keys in --json. */
export interface TaskRecord {
  service: string
  /** null for a global service's task. */
  slot: number | null
  task: string
  /** The node's hostname. */
  node: string
}

/** Which session a result is about, as --json names it. */
export interface TargetRecord extends Partial<TaskRecord> {
  /** The container's name (a service task: its container ID; null when it has none). */
  container: string | null
  /** The daemon's URL (null when no daemon could be named for it). */
  host: string | null
}

/** One container's result, as --json writes it (these keys are the documented interface). */
export interface ExecOutcome extends TargetRecord {
  /** The command's exit code; null when it did not run to its end (error, timeout, stopped). */
  exitCode: number | null
  durationMs: number
  bytesOut: number
  bytesErr: number
  /** Why it failed or did not run, else null. */
  error: string | null
  timedOut: boolean
}

/** How an outcome counts for hijack's own exit status. */
export type Verdict =
  | {kind: 'ok'}
  | {kind: 'failed'; code: number}
  | {kind: 'timed-out'}
  /** Stopped or skipped by --fail-fast: not a failure of its own. */
  | {kind: 'cancelled'}

export const EXEC_TIMED_OUT_EXIT = 124

/**
 * The exit status of a fan-out: 124 when any command timed out; else the first failure in selection
 * order (the command's own code, or the error's: 1 for daemon and connection errors); else 0.
 */
export function fanoutExitCode(verdicts: ReadonlyArray<Verdict | undefined>): number {
  if (verdicts.some((v) => v?.kind === 'timed-out')) return EXEC_TIMED_OUT_EXIT
  for (const verdict of verdicts) if (verdict?.kind === 'failed') return verdict.code
  return 0
}

/** One NDJSON line, keys in the documented order; a service task's keys follow the common ones. */
export function jsonLine(outcome: ExecOutcome): string {
  const {container, host, exitCode, durationMs, bytesOut, bytesErr, error, timedOut, service, slot, task, node} = outcome
  const common = {container, host, exitCode, durationMs, bytesOut, bytesErr, error, timedOut}
  return `${JSON.stringify(service === undefined ? common : {...common, service, slot, task, node})}\n`
}
