// The runtime seam of the mock's engine: what runs a container's or an exec's command.
import type {Readable, Writable} from 'node:stream'

/** What the mock daemon needs to run one command: an exec's or a container's main process. */
export interface SpawnSpec {
  cmd: string[]
  /** `KEY=VALUE` entries, container env first, exec env after (later wins). */
  env: string[]
  workdir?: string
  user?: string
  tty: boolean
  /** Initial console size [rows, cols] when tty. */
  consoleSize?: [number, number]
  /** A container's main process: when it exits, what it started dies with it (as at the end of a PID namespace). */
  main?: boolean
}

/**
 * A running command, local process or built-in program alike.
 * With `tty` its stdout carries the merged output and stderr stays empty (as a Docker TTY does).
 */
export interface MockProcess {
  readonly stdin: Writable
  readonly stdout: Readable
  readonly stderr: Readable
  /**
   * Resolves with the exit code once the command has exited; its output may still be buffered in
   * stdout/stderr (a reader that stopped must not keep a killed process "running").
   * 126 = cannot invoke, 127 = not found (Engine >= 28 semantics); a signal death is 128 + signal number.
   */
  readonly exited: Promise<number>
  /** Process id when it is a real process; undefined for built-in programs. */
  readonly pid: number | undefined
  /** SIGKILL after the exit reaches what it left running in the background (hasOrphans). */
  kill(signal: NodeJS.Signals): void
  resize(rows: number, cols: number): void
  /** It exited leaving background processes (which die with its container, as in a PID namespace). */
  hasOrphans?(): boolean
}

/** Why a command cannot start at all: runc's exit code for it (126 cannot invoke, 127 not found) and words. */
export interface SpawnProblem {
  code: 126 | 127
  detail: string
}

export interface Runtime {
  spawn(spec: SpawnSpec): MockProcess
  /**
   * What a start of `spec` would fail with before any process runs, or undefined when it can start.
   * With it, a container start that cannot run fails the start request, as dockerd's does; a runtime
   * without it reports such failures from the process instead (its exit code).
   */
  check?(spec: SpawnSpec): SpawnProblem | undefined
  /** Daemon shutdown: end whatever this runtime's commands left running (background children). */
  shutdown?(): void
}
