// Runs the hijack CLI (built dist, via bin/run.cjs) and the Docker CLI as child processes.
import {spawn} from 'node:child_process'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {Readable} from 'node:stream'
import {fileURLToPath} from 'node:url'
import {removeAtExit} from './exit-cleanup.js'

export const HIJACK_BIN = fileURLToPath(new URL('../../bin/run.cjs', import.meta.url))

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: Buffer
  stderr: Buffer
}

export interface CliOptions {
  input?: Buffer | string | Readable
  env?: NodeJS.ProcessEnv
  timeoutMs?: number
}

/**
 * tap's processinfo hook wraps spawn and puts its loader back into any child's NODE_OPTIONS (+22 MB
 * RSS and a slower start per child): children are started through `env -u NODE_OPTIONS` instead.
 */
export function userCommand(command: string, args: string[]): [string, string[]] {
  return ['env', ['-u', 'NODE_OPTIONS', command, ...args]]
}

/**
 * The environment a user's shell would give: without TAP_* settings, without NODE_EXTRA_CA_CERTS (~100 ms a node start here),
 * without DOCKER_HOST, and with an empty Docker config.
 */
export function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(TAP|_TAPJS)|^NODE_OPTIONS$|^NODE_EXTRA_CA_CERTS$|^DOCKER_HOST$/.test(key)) env[key] = value
  }
  Object.assign(env, {DOCKER_CONFIG: emptyDockerConfig()}, extra)
  for (const [key, value] of Object.entries(extra)) if (value === undefined) delete env[key]
  return env
}

let dockerConfig: string | undefined
function emptyDockerConfig(): string {
  if (dockerConfig === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'hj-dcfg-'))
    removeAtExit(dir)
    dockerConfig = dir
  }
  return dockerConfig
}

export function runCommand(command: string, args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(...userCommand(command, args), {env: childEnv(options.env), stdio: ['pipe', 'pipe', 'pipe']})
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (c: Buffer) => out.push(c))
    child.stderr.on('data', (c: Buffer) => err.push(c))
    child.stdin.on('error', () => {}) // the command may exit before reading all input
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err)})
    })
    const input = options.input
    if (input === undefined) child.stdin.end()
    else if (typeof input === 'string' || Buffer.isBuffer(input)) child.stdin.end(input)
    else input.pipe(child.stdin)
  })
}

/** Runs bin/run.cjs through its own shebang, as the installed `hijack` runs. */
export function hijack(args: string[], options?: CliOptions): Promise<CliResult> {
  return runCommand(HIJACK_BIN, args, options)
}

export function dockerCli(host: string, args: string[], options?: CliOptions): Promise<CliResult> {
  return runCommand('docker', ['-H', host, ...args], options)
}

export interface RunningCli {
  child: import('node:child_process').ChildProcessWithoutNullStreams
  /** Output so far, decoded. */
  stdout(): string
  /** Error output so far, decoded. */
  stderr(): string
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<string>
  done: Promise<CliResult>
}

/** Starts a long-running CLI (attach) so a test can watch its output, signal it, and collect the result. */
export function startCli(command: string, args: string[], options: {env?: NodeJS.ProcessEnv} = {}): RunningCli {
  const child = spawn(...userCommand(command, args), {env: childEnv(options.env), stdio: ['pipe', 'pipe', 'pipe']})
  const out: Buffer[] = []
  const err: Buffer[] = []
  child.stdout.on('data', (c: Buffer) => out.push(c))
  child.stderr.on('data', (c: Buffer) => err.push(c))
  child.stdin.on('error', () => {})
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000)
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err)})
    })
  })
  const stdout = (): string => Buffer.concat(out).toString()
  const waitForOutput = async (pattern: RegExp, timeoutMs = 15_000): Promise<string> => {
    const deadline = Date.now() + timeoutMs
    while (!pattern.test(stdout())) {
      if (Date.now() > deadline || child.exitCode !== null) {
        throw new Error(`no ${pattern} in output: ${JSON.stringify(stdout())} stderr: ${Buffer.concat(err).toString()}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    return stdout()
  }
  return {child, stdout, stderr: () => Buffer.concat(err).toString(), waitForOutput, done}
}

export function startHijack(args: string[]): RunningCli {
  return startCli(HIJACK_BIN, args)
}

export function startDocker(host: string, args: string[]): RunningCli {
  return startCli('docker', ['-H', host, ...args])
}
