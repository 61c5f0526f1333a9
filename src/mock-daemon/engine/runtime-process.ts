// Runs mock containers' commands as real local processes. A TTY is a real pty made by util-linux
// `script` (no native modules); without `script` on PATH it falls back to pipes with merged output.
// Longer than 300 lines on purpose: runc's start checks (resolveCommand, checkSpawn), the process and its
// registry of background children are one runtime, and each part is only used by the others.
import {type ChildProcess, spawn} from 'node:child_process'
import {accessSync, constants as fsConstants, readFileSync, readdirSync, readlinkSync, statSync} from 'node:fs'
import {constants as osConstants} from 'node:os'
import {delimiter, isAbsolute, join, resolve} from 'node:path'
import {PassThrough} from 'node:stream'
import {type ResolvedUser, UserLookupError, resolveHostUser} from './exec-user.js'
import type {MockProcess, Runtime, SpawnProblem, SpawnSpec} from './runtime.js'

type Resolved = {path: string} | {code: 126 | 127; detail: string}

function isExecutableFile(path: string): 'ok' | 'missing' | 'denied' {
  let isFile: boolean
  try {
    isFile = statSync(path).isFile()
  } catch {
    return 'missing'
  }
  if (!isFile) return 'denied'
  try {
    accessSync(path, fsConstants.X_OK)
    return 'ok'
  } catch {
    return 'denied'
  }
}

/** PATH lookup the way runc reports it (Engine >= 28 exit codes: 127 not found, 126 not executable). */
export function resolveCommand(file: string, pathEnv: string, cwd: string): Resolved {
  if (file.includes('/')) {
    const full = isAbsolute(file) ? file : resolve(cwd, file)
    const state = isExecutableFile(full)
    if (state === 'ok') return {path: full}
    if (state === 'missing') return {code: 127, detail: `exec: "${file}": stat ${file}: no such file or directory`}
    return {code: 126, detail: `exec: "${file}": permission denied`}
  }
  let denied = false
  for (const dir of pathEnv.split(delimiter)) {
    const candidate = join(resolve(cwd, dir || '.'), file)
    const state = isExecutableFile(candidate)
    if (state === 'ok') return {path: candidate}
    if (state === 'denied') denied = true
  }
  if (denied) return {code: 126, detail: `exec: "${file}": permission denied`}
  return {code: 127, detail: `exec: "${file}": executable file not found in $PATH`}
}

function envObject(entries: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {}
  for (const entry of entries) {
    const eq = entry.indexOf('=')
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1)
  }
  return env
}

function shellQuote(arg: string): string {
  return `'${arg.replaceAll("'", `'\\''`)}'`
}

function signalExitCode(signal: NodeJS.Signals | null): number {
  const n = signal ? osConstants.signals[signal] : undefined
  return n === undefined ? 1 : 128 + n
}

let scriptPath: string | null | undefined
function findScript(): string | null {
  if (scriptPath === undefined) {
    const found = resolveCommand('script', process.env.PATH ?? '/usr/bin:/bin', '/')
    scriptPath = 'path' in found ? found.path : null
  }
  return scriptPath
}

/** First child of a process (the command running inside `script`'s pty), if the kernel says. */
function firstChild(pid: number): number | undefined {
  try {
    const n = Number.parseInt(readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ')[0], 10)
    return Number.isInteger(n) ? n : undefined
  } catch {
    return undefined
  }
}

/** A spawned command; stdout/stderr are our own streams so a start failure can still print its message. */
class LocalProcess implements MockProcess {
  readonly stdin = new PassThrough()
  readonly stdout = new PassThrough()
  readonly stderr = new PassThrough()
  readonly exited: Promise<number>
  pid: number | undefined
  private child: ChildProcess | undefined
  private exitCode: number | undefined
  /** The child itself has exited (its pid may be reused): only its process group may still be signalled. */
  private childExited = false
  /** An exec's background children, as seen when it exited. */
  private orphans: ProcessId[] = []

  constructor(private readonly spec: SpawnSpec, private readonly useScript: boolean, private readonly registry: ProcessRegistry) {
    this.stdin.on('error', () => {})
    let setCode!: (code: number) => void
    this.exited = new Promise<number>((resolve) => {
      setCode = resolve
    })
    this.start(setCode)
  }

  private start(setCode: (code: number) => void): void {
    const {spec} = this
    const env = envObject(spec.env)
    const cwd = spec.workdir || process.cwd()
    /** The command never runs: `message` is what the daemon writes into the stream instead. */
    const refuse = (code: number, message: string): void => {
      this.stdin.resume() // nothing will read it
      this.stdout.end(`${message}\r\n`)
      this.stderr.end()
      this.exitCode = code
      setCode(code)
    }
    const fail = (code: number, detail: string): void =>
      refuse(code, `OCI runtime exec failed: exec failed: unable to start container process: ${detail}: unknown`)
    // dockerd resolves the user before runc runs anything, so its error comes first and without runc's words.
    let identity: {uid: number; gid: number} | undefined
    if (spec.user) {
      let user: ResolvedUser
      try {
        user = resolveHostUser(spec.user)
      } catch (error) {
        if (!(error instanceof UserLookupError)) throw error
        refuse(126, error.message)
        return
      }
      env.HOME ??= user.home
      // Only root can switch users; otherwise the command runs as the daemon's user (docs/mock-daemon.md).
      if (process.getuid?.() === 0) identity = {uid: user.uid, gid: user.gid}
    }
    try {
      if (!statSync(cwd).isDirectory()) throw new Error('not a directory')
    } catch {
      fail(126, `chdir to cwd ("${cwd}") set in config.json failed: no such file or directory`)
      return
    }
    const resolved = resolveCommand(spec.cmd[0], env.PATH ?? '', cwd)
    if ('code' in resolved) {
      fail(resolved.code, resolved.detail)
      return
    }
    let child: ChildProcess
    const script = spec.tty && this.useScript ? findScript() : null
    if (script) {
      // script runs `$SHELL -c LINE` on a new pty; stty sets the console size before the command starts.
      const [rows, cols] = spec.consoleSize ?? [24, 80]
      const restoreShell = env.SHELL === undefined ? 'unset SHELL; ' : `SHELL=${shellQuote(env.SHELL)}; `
      const line = `stty rows ${rows} cols ${cols} 2>/dev/null; ${restoreShell}exec ${[resolved.path, ...spec.cmd.slice(1)].map(shellQuote).join(' ')}`
      child = spawn(script, ['-qfec', line, '/dev/null'], {cwd, env: {...env, SHELL: '/bin/sh'}, stdio: 'pipe', detached: true, ...identity})
    } else {
      // Its own process group, so SIGKILL reaches whatever it started (and a terminal's ^C only the daemon).
      child = spawn(resolved.path, spec.cmd.slice(1), {cwd, env, argv0: spec.cmd[0], stdio: 'pipe', detached: true, ...identity})
    }
    this.child = child
    this.pid = child.pid
    child.on('error', (error: NodeJS.ErrnoException) => {
      // Only when the kernel refused after our checks (a race or an odd file): report it like runc.
      if (child.pid === undefined) fail(error.code === 'ENOENT' ? 127 : 126, `exec: "${spec.cmd[0]}": ${error.message}`)
    })
    if (child.pid === undefined) return
    this.registry.liveGroups.add(child.pid)
    child.stdout!.pipe(this.stdout)
    // A TTY merges stderr into the one output stream, as a Docker TTY does.
    child.stderr!.pipe(spec.tty ? this.stdout : this.stderr, {end: !spec.tty})
    if (spec.tty) this.stderr.end()
    // Our output streams destroyed (output given up after the exit): let go of the pipes too, so a
    // background child still writing gets EPIPE instead of holding them open.
    this.stdout.once('close', () => {
      child.stdout!.destroy()
      if (spec.tty) child.stderr!.destroy()
    })
    if (!spec.tty) this.stderr.once('close', () => child.stderr!.destroy())
    const childStdin = child.stdin!
    this.stdin.pipe(childStdin)
    const dropStdin = (): void => {
      this.stdin.unpipe(childStdin)
      this.stdin.resume() // keep accepting so writers never wait on a process that stopped reading
    }
    childStdin.on('error', dropStdin)
    childStdin.on('close', dropStdin)
    child.on('exit', (code, signal) => {
      this.childExited = true
      // The exit, not 'close': 'close' waits for the output pipes, which a stopped reader holds back.
      this.exitCode = code ?? signalExitCode(signal)
      setCode(this.exitCode)
      this.registry.liveGroups.delete(child.pid!)
      // Left-over children would hold the output pipes open and keep the container "running".
      if (spec.main) signalGroup(child.pid!, 'SIGKILL')
      // An exec's background children outlive it (as in a container) until its container stops or
      // the daemon shuts down; kept by pid and start time, since the group's id may be reused.
      else {
        this.orphans = groupMembers(child.pid!)
        this.registry.leftovers.push(...this.orphans)
      }
    })
  }

  /** What it started that was still running when it exited. */
  hasOrphans(): boolean {
    return this.orphans.length > 0
  }

  kill(signal: NodeJS.Signals): void {
    const child = this.child
    if (signal === 'SIGKILL' && this.exitCode !== undefined) {
      // Exited: only its orphans are left.
      killSurvivors(this.orphans.splice(0))
      return
    }
    if (!child || child.pid === undefined || this.exitCode !== undefined) return
    // Inside `script` the command is script's child: signal it, not script (which would say goodbye).
    const inner = this.spec.tty && this.useScript && findScript() ? firstChild(child.pid) : undefined
    if (signal === 'SIGKILL') {
      // Everything it started goes too (the pty's session first, then script's group).
      if (inner !== undefined) signalGroup(inner, signal)
      signalGroup(child.pid, signal)
      return
    }
    if (this.childExited) return
    const target = inner ?? child.pid
    try {
      process.kill(target, signal)
    } catch {
      // already gone
    }
  }

  resize(rows: number, cols: number): void {
    const child = this.child
    if (!this.spec.tty || !child?.pid || this.exitCode !== undefined || rows <= 0 || cols <= 0) return
    const inner = firstChild(child.pid)
    if (inner === undefined) return
    let tty: string
    try {
      tty = readlinkSync(`/proc/${inner}/fd/0`)
    } catch {
      return
    }
    if (!tty.startsWith('/dev/pts/')) return
    // TIOCSWINSZ through stty; the kernel sends SIGWINCH to the foreground process group.
    const stty = spawn('stty', ['-F', tty, 'rows', String(rows), 'cols', String(cols)], {stdio: 'ignore'})
    stty.on('error', () => {})
  }
}

/** A process identified by pid and start time, so a reused pid is never mistaken for it. */
interface ProcessId {
  pid: number
  start: string
}

/** What one runtime (one daemon) started, so its shutdown ends that and nothing of another daemon's. */
class ProcessRegistry {
  /** Members of exited execs' process groups, seen when their leader exited. */
  readonly leftovers: ProcessId[] = []
  /** Groups whose leader is still alive (their pgid cannot be reused meanwhile). */
  readonly liveGroups = new Set<number>()

  /** Kills live groups, and exited execs' children that are still the same processes. */
  killAll(): void {
    for (const pgid of this.liveGroups) signalGroup(pgid, 'SIGKILL')
    killSurvivors(this.leftovers.splice(0))
  }
}

/** SIGKILLs each of `processes` that is still the same process (pid and start time). */
function killSurvivors(processes: ProcessId[]): void {
  for (const {pid, start} of processes) if (statOf(pid)?.start === start) signalPid(pid, 'SIGKILL')
}

/** Field 22 of /proc/PID/stat (start time since boot), and the process group (field 5). */
function statOf(pid: number): {pgrp: number; start: string} | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return {pgrp: Number(fields[2]), start: fields[19]}
  } catch {
    return undefined
  }
}

/** The processes now in group `pgid` (the leader has just exited; only its children remain). */
function groupMembers(pgid: number): ProcessId[] {
  const members: ProcessId[] = []
  let entries: string[]
  try {
    entries = readdirSync('/proc')
  } catch {
    return members
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    const stat = statOf(Number(entry))
    if (stat?.pgrp === pgid) members.push({pid: Number(entry), start: stat.start})
  }
  return members
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal)
  } catch {
    // gone meanwhile
  }
}

/** Signals process group `pgid` (a detached child's pid); no-op when it is gone. */
function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal)
  } catch {
    // no such group any more
  }
}

export interface ProcessRuntimeOptions {
  /** Use `script` for a real pty when tty is asked for (default true when `script` is on PATH). */
  pty?: boolean
}

/** Why `spec` cannot start (runc's words and exit code), or undefined when it can. */
export function checkSpawn(spec: SpawnSpec): SpawnProblem | undefined {
  const env = envObject(spec.env)
  const cwd = spec.workdir || process.cwd()
  try {
    if (!statSync(cwd).isDirectory()) throw new Error('not a directory')
  } catch {
    return {code: 126, detail: `chdir to cwd ("${cwd}") set in config.json failed: no such file or directory`}
  }
  const resolved = resolveCommand(spec.cmd[0], env.PATH ?? '', cwd)
  return 'code' in resolved ? resolved : undefined
}

export class ProcessRuntime implements Runtime {
  private readonly registry = new ProcessRegistry()

  constructor(private readonly options: ProcessRuntimeOptions = {}) {}

  /** What a start of `spec` would fail with (see checkSpawn). */
  check(spec: SpawnSpec): SpawnProblem | undefined {
    return checkSpawn(spec)
  }

  spawn(spec: SpawnSpec): MockProcess {
    return new LocalProcess(spec, this.options.pty !== false, this.registry)
  }

  shutdown(): void {
    this.registry.killAll()
  }
}
