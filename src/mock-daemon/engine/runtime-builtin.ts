/**
 * BuiltinRuntime: runs a handful of "built-in programs" (cat, echo, yes, sleep, true, false, exit)
 * inside the Node process, so a mock container with `"runtime": "builtin"` can host thousands of
 * concurrent sessions without spawning any OS process.
 *
 * Memory: an idle session is one small `BuiltinProcess` plus its three streams. There are no
 * closures per session (the streams are subclasses pointing back at their process), no timers
 * except for `sleep` (and `yes`, which yields to the event loop once per chunk), and the `exited`
 * promise is only created when somebody asks for it.
 *
 * Longer than 300 lines on purpose: the programs and the process's three stream classes point at each
 * other (that is what saves a closure per session), so they stay in one module.
 */
import {constants as osConstants} from 'node:os'
import {Readable, Writable} from 'node:stream'
import type {MockProcess, Runtime, SpawnSpec} from './runtime.js'

/** highWaterMark of stdout/stderr and of stdin: what a program may hold buffered before pushing back. */
const OUT_HWM = 16 * 1024
const IN_HWM = 16 * 1024
/** Size `yes` aims at per push. */
const YES_CHUNK = 16 * 1024
/** setTimeout's largest delay (about 24.8 days); longer sleeps are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1

/** Signals whose default action is to ignore (or stop, which a built-in cannot emulate): no-ops. */
const NON_FATAL_SIGNALS: ReadonlySet<string> = new Set([
  'SIGCHLD', 'SIGCONT', 'SIGURG', 'SIGWINCH', 'SIGSTOP', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU',
])
const SIGPIPE_CODE = 128 + (osConstants.signals.SIGPIPE ?? 13)

const enum Prog {
  /** Already exited (echo, true, false, exit, not found, errors): nothing runs. */
  Done,
  Cat,
  Yes,
  Sleep,
}

let yesDefaultChunk: Buffer | undefined

/** A chunk of whole `line`s of at least YES_CHUNK bytes. */
function yesChunk(line: string): Buffer {
  if (line === 'y\n') return (yesDefaultChunk ??= build())
  return build()
  function build(): Buffer {
    const one = Buffer.from(line)
    const n = Math.max(1, Math.ceil(YES_CHUNK / one.length))
    return Buffer.alloc(n * one.length, one)
  }
}

class BuiltinStdout extends Readable {
  constructor(readonly proc: BuiltinProcess) {
    super({highWaterMark: OUT_HWM})
  }

  override _read(): void {
    this.proc.onStdoutRead()
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    this.proc.onStdoutDestroyed()
    cb(err)
  }
}

class BuiltinStderr extends Readable {
  constructor() {
    super({highWaterMark: OUT_HWM})
  }

  override _read(): void {}
}

class BuiltinStdin extends Writable {
  constructor(readonly proc: BuiltinProcess) {
    super({highWaterMark: IN_HWM})
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (error?: Error | null) => void): void {
    this.proc.onStdinData(chunk, cb)
  }

  override _final(cb: (error?: Error | null) => void): void {
    this.proc.onStdinEnd()
    cb()
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    // A closed stdin is EOF for the program, as with a real pipe.
    this.proc.onStdinEnd()
    cb(err)
  }
}

class BuiltinProcess implements MockProcess {
  readonly stdin: BuiltinStdin
  readonly stdout: BuiltinStdout
  readonly stderr: BuiltinStderr
  readonly pid = undefined

  private prog: Prog = Prog.Done
  private code: number | null = null
  private readonly tty: boolean
  /** cat: the stdin write callback held back while stdout is full. */
  private pendingWrite: ((error?: Error | null) => void) | null = null
  /** yes: the chunk pushed on every read. */
  private yesBuf: Buffer | null = null
  /** yes: the push waiting for the next turn of the event loop. */
  private yesPush: NodeJS.Immediate | null = null
  /** sleep: the running timer and the milliseconds still to wait after it. */
  private timer: NodeJS.Timeout | null = null
  private sleepLeft = 0
  private exitedPromise: Promise<number> | null = null
  private resolveExited: ((code: number) => void) | null = null

  constructor(tty: boolean) {
    this.tty = tty
    this.stdin = new BuiltinStdin(this)
    this.stdout = new BuiltinStdout(this)
    this.stderr = new BuiltinStderr()
    // With a TTY, stderr is merged into stdout and the stderr stream stays empty.
    if (tty) this.stderr.push(null)
  }

  get exited(): Promise<number> {
    if (!this.exitedPromise) {
      this.exitedPromise =
        this.code !== null
          ? Promise.resolve(this.code)
          : new Promise<number>((resolve) => {
              this.resolveExited = resolve
            })
    }
    return this.exitedPromise
  }

  kill(signal: NodeJS.Signals): void {
    if (this.code !== null) return
    if (NON_FATAL_SIGNALS.has(signal)) return
    const num = (osConstants.signals as Record<string, number | undefined>)[signal]
    if (num === undefined) return
    this.finish(128 + num)
  }

  resize(_rows: number, _cols: number): void {}

  // ---- programs -----------------------------------------------------------------------------

  /** Starts cmd. Never throws: anything unexpected becomes exit 126 with a message. */
  start(cmd: unknown): void {
    try {
      this.run(Array.isArray(cmd) ? cmd.map(String) : [])
    } catch (err) {
      if (this.code === null) {
        this.err(`exec: ${err instanceof Error ? err.message : String(err)}\n`)
        this.finish(126)
      }
    }
  }

  private run(cmd: string[]): void {
    const name0 = cmd[0] ?? ''
    const name = name0.slice(name0.lastIndexOf('/') + 1)
    const args = cmd.slice(1)
    switch (name) {
      case 'cat': {
        const files = args.filter((a) => a !== '-')
        if (files.length > 0) {
          for (const f of files) this.err(`cat: ${f}: No such file or directory\n`)
          this.finish(1)
          return
        }
        this.prog = Prog.Cat
        return
      }
      case 'echo': {
        let i = 0
        while (i < args.length && /^-n+$/.test(args[i])) i++
        const text = args.slice(i).join(' ')
        this.out(i > 0 ? text : text + '\n')
        this.finish(0)
        return
      }
      case 'yes': {
        this.yesBuf = yesChunk((args.length > 0 ? args.join(' ') : 'y') + '\n')
        this.prog = Prog.Yes
        return
      }
      case 'sleep': {
        this.startSleep(args)
        return
      }
      case 'true':
        this.finish(0)
        return
      case 'false':
        this.finish(1)
        return
      case 'exit': {
        const a = args[0]
        if (a === undefined) return this.finish(0)
        if (!/^[+-]?\d+$/.test(a)) {
          this.err(`exit: Illegal number: ${a}\n`)
          return this.finish(2)
        }
        return this.finish(Number(((BigInt(a) % 256n) + 256n) % 256n))
      }
      default:
        this.err(`exec: "${name0}": executable file not found in $PATH\n`)
        this.finish(127)
    }
  }

  private startSleep(args: string[]): void {
    if (args.length === 0) {
      this.err('sleep: missing operand\n')
      return this.finish(1)
    }
    let ms = 0
    for (const a of args) {
      const m = /^(\d+\.?\d*|\.\d+)([smhd]?)$/.exec(a)
      if (m) {
        ms += Number(m[1]) * 1000 * (m[2] === 'm' ? 60 : m[2] === 'h' ? 3600 : m[2] === 'd' ? 86400 : 1)
      } else if (/^inf(inity)?$/i.test(a)) {
        ms = Infinity
      } else {
        this.err(`sleep: invalid time interval '${a}'\n`)
        return this.finish(1)
      }
    }
    this.prog = Prog.Sleep
    if (ms === Infinity) return // nothing to wait for but a signal
    this.sleepLeft = Math.ceil(ms)
    this.armSleep()
  }

  private armSleep(): void {
    const step = Math.min(this.sleepLeft, MAX_TIMER_MS)
    this.sleepLeft -= step
    this.timer = setTimeout(onSleepTimer, step, this)
  }

  onSleepTimer(): void {
    this.timer = null
    if (this.code !== null) return
    if (this.sleepLeft > 0) this.armSleep()
    else this.finish(0)
  }

  // ---- stream hooks -------------------------------------------------------------------------

  onStdoutRead(): void {
    if (this.code !== null) return
    if (this.prog === Prog.Cat) {
      const cb = this.pendingWrite
      if (cb) {
        this.pendingWrite = null
        cb()
      }
    } else if (this.prog === Prog.Yes && !this.yesPush) {
      // Pushed on the next turn of the event loop, never from inside _read: a consumer that never pushes
      // back (output dropped: exec -d, a closed connection) would otherwise have yes spin synchronously
      // and starve the daemon, its signals included.
      this.yesPush = setImmediate(pushYes, this)
    }
  }

  onYesPush(): void {
    this.yesPush = null
    // One fresh copy per push, so a consumer holding on to a chunk never sees it change.
    if (this.code === null && this.yesBuf) this.stdout.push(Buffer.from(this.yesBuf))
  }

  onStdoutDestroyed(): void {
    // Writing into a closed pipe: the writers die of SIGPIPE, as real cat and yes would.
    if (this.code === null && (this.prog === Prog.Cat || this.prog === Prog.Yes)) this.finish(SIGPIPE_CODE)
  }

  onStdinData(chunk: Buffer, cb: (error?: Error | null) => void): void {
    if (this.code !== null || this.prog !== Prog.Cat) {
      cb() // not read by the program: discard
      return
    }
    if (this.stdout.push(chunk)) cb()
    else this.pendingWrite = cb // released by the next _read (or by exit)
  }

  onStdinEnd(): void {
    if (this.code === null && this.prog === Prog.Cat) this.finish(0)
  }

  // ---- output and exit ----------------------------------------------------------------------

  private out(text: string): void {
    if (text.length > 0 && !this.stdout.readableEnded && !this.stdout.destroyed) this.stdout.push(text)
  }

  private err(text: string): void {
    if (this.tty) {
      this.out(text)
      return
    }
    if (text.length > 0 && !this.stderr.destroyed) this.stderr.push(text)
  }

  /** Records the exit code, ends stdout and stderr, then resolves `exited`. */
  private finish(code: number): void {
    if (this.code !== null) return
    this.code = code
    if (this.timer) {
      clearTimeout(this.timer)
      this.timer = null
    }
    this.yesBuf = null
    if (this.yesPush) {
      clearImmediate(this.yesPush)
      this.yesPush = null
    }
    const cb = this.pendingWrite
    this.pendingWrite = null
    this.stdout.push(null)
    this.stderr.push(null)
    // From here on stdin discards; let a writer held back by cat go on.
    if (cb) cb()
    const resolve = this.resolveExited
    this.resolveExited = null
    resolve?.(code)
  }
}

function onSleepTimer(p: BuiltinProcess): void {
  p.onSleepTimer()
}

function pushYes(p: BuiltinProcess): void {
  p.onYesPush()
}

/** Runs built-in programs in-process: cat, echo, yes, sleep, true, false, exit; anything else is "not found" (127). */
export class BuiltinRuntime implements Runtime {
  spawn(spec: SpawnSpec): MockProcess {
    const p = new BuiltinProcess(Boolean(spec?.tty))
    p.start(spec?.cmd)
    return p
  }
}
