// Drives a command in a real pseudo-terminal: a private tmux server per session.
import {execFile} from 'node:child_process'
import {promisify} from 'node:util'
import type {Test} from 'tap'

const run = promisify(execFile)

export class TmuxSession {
  private constructor(private readonly server: string) {}

  /** Starts `command` (a shell string) in a detached window of cols x rows. */
  static async start(command: string, size: {cols: number; rows: number} = {cols: 80, rows: 24}): Promise<TmuxSession> {
    const server = `hj-${process.pid}-${Math.random().toString(36).slice(2, 8)}`
    const session = new TmuxSession(server)
    await session.tmux('new-session', '-d', '-x', String(size.cols), '-y', String(size.rows), command)
    return session
  }

  private async tmux(...args: string[]): Promise<string> {
    const {stdout} = await run('tmux', ['-L', this.server, '-f', '/dev/null', ...args], {env: {...process.env, TMUX: ''}})
    return stdout
  }

  /** Keys as tmux names them (`C-p`, `Enter`) or literal text with `literal`. */
  async send(keys: string, literal = false): Promise<void> {
    await this.tmux('send-keys', ...(literal ? ['-l', keys] : [keys]))
  }

  async type(line: string): Promise<void> {
    await this.send(line, true)
    await this.send('Enter')
  }

  async screen(): Promise<string> {
    return this.tmux('capture-pane', '-p', '-J', '-S', '-200')
  }

  async resize(cols: number, rows: number): Promise<void> {
    await this.tmux('resize-window', '-x', String(cols), '-y', String(rows))
  }

  /** Waits until the screen matches; returns the screen, or throws with it after the timeout. */
  async waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs
    let screen = ''
    while (Date.now() < deadline) {
      screen = await this.screen()
      if (pattern.test(screen)) return screen
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    throw new Error(`timed out waiting for ${pattern} on screen:\n${screen}`)
  }

  async kill(): Promise<void> {
    await this.tmux('kill-server').catch(() => {})
  }
}

/** Wraps a command so the pane reports its exit code and whether the terminal is cooked again. */
export function reportingShell(command: string): string {
  return `sh -c '${command.replace(/'/g, `'\\''`)}; echo "EXIT=$?"; stty -a | grep -qw -- -icanon && echo TERM=raw || echo TERM=cooked; sleep 120'`
}

/**
 * Types the default detach sequence (ctrl-p, ctrl-q) and checks what a `reportingShell` pane shows:
 * Docker's words, exit 1, and the terminal cooked again.
 */
export async function detachWithDefaultKeys(t: Test, tmux: TmuxSession): Promise<void> {
  await tmux.send('C-p')
  await tmux.send('C-q')
  const screen = await tmux.waitFor(/TERM=\w+/)
  t.match(screen, /read escape sequence/)
  t.match(screen, /EXIT=1/)
  t.match(screen, /TERM=cooked/)
}
