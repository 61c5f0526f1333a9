// `hijack exec` on many containers at once: a selection (comma-separated names or --filter, on one or
// more daemons), each container's session on its own hijacked connection, output prefixed line by line,
// one exit status by a documented rule, and --json results.
import {setMaxListeners} from 'node:events'
import {DockerApi} from '../transport/docker-api.js'
import {UsageError} from '../transport/errors.js'
import {resolveExecHosts} from './exec-hosts.js'
import type {ExecFlags} from './flag-specs.js'
import {LinePrefixer, RawWriter, type CountingWriter} from './fanout/line-prefixer.js'
import {OutputGate} from './fanout/output-gate.js'
import {runPool} from './fanout/pool.js'
import {fanoutExitCode, jsonLine, type Verdict} from './fanout/results.js'
import {parseFilters, parseNames, resolveSelection, type Selection} from './fanout/selection.js'
import {StdinFanout} from './fanout/stdin-fanout.js'
import {runTarget, type ExecSpec, type FanoutTarget} from './fanout/target-session.js'
import {inputStream} from './terminal-session.js'

/** Default and most sessions at once: each holds a connection (a file descriptor) and its buffers. */
export const DEFAULT_PARALLEL = 256
export const MAX_PARALLEL = 1024

export function parseParallel(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined
  const n = Number(raw)
  if (!/^\d+$/.test(raw.trim()) || n < 1 || n > MAX_PARALLEL) {
    throw new UsageError(`invalid argument "${raw}" for "--parallel" flag: expected a whole number from 1 to ${MAX_PARALLEL}`)
  }
  return n
}

/** `operands` are CONTAINER[,CONTAINER...] COMMAND..., or only COMMAND... with --filter. */
export async function runFanout(flags: ExecFlags, operands: string[], spec: Omit<ExecSpec, 'cmd'>): Promise<number> {
  refuseTerminalFlags(flags, 'several containers')
  const selection: Selection = flags.filter?.length ? {filters: parseFilters(flags.filter)} : {names: parseNames(operands[0])}
  const cmd = 'filters' in selection ? operands : operands.slice(1)
  if (cmd.length === 0) throw new UsageError('no command given to run in the containers', 1)
  const parallel = parseParallel(flags.parallel)
  const hosts = resolveExecHosts(flags)

  const apis = hosts.map((host) => ({host, api: DockerApi.connect(host)}))
  for (const {api} of apis) api.catch(() => {}) // each failure is reported by the slots that use it
  const slots = await resolveSelection(apis, selection)
  if (slots.length === 0) throw new UsageError('no container matches the filter', 1)
  const targets = slots.map((slot): FanoutTarget => ({
    label: hosts.length > 1 ? `${slot.host.url}/${slot.name}` : slot.name,
    ref: slot.ref,
    api: apis.find((a) => a.host === slot.host)?.api,
    error: slot.error,
    record: {container: slot.name, host: slot.host.url},
  }))
  return runTargets(flags, targets, {...spec, cmd}, parallel)
}

/** -t and -d make no sense for a set of sessions (exit 125). */
export function refuseTerminalFlags(flags: ExecFlags, what: string): void {
  if (flags.tty) throw new UsageError(`-t cannot be used with ${what}: their terminals would share one screen`)
  if (flags.detach) throw new UsageError(`-d cannot be used with ${what}`)
}

/**
 * Runs `spec` in every target at once (at most `parallel`), each on its own connection: prefixed output,
 * --json results, stdin copied to all with -i; returns the fan-out exit status.
 */
export async function runTargets(flags: ExecFlags, targets: FanoutTarget[], spec: ExecSpec, parallel = parseParallel(flags.parallel)): Promise<number> {
  const limit = parallel ?? Math.min(targets.length, DEFAULT_PARALLEL)
  const interactive = Boolean(flags.interactive)
  if (interactive && limit < targets.length) {
    throw new UsageError(`-i copies stdin to every session at once: ${targets.length} containers need --parallel ${targets.length} (at most ${MAX_PARALLEL})`)
  }

  const out = new OutputGate(process.stdout)
  const err = new OutputGate(process.stderr)
  const json = Boolean(flags.json)
  // --json keeps stdout for the results; the commands' output goes to stderr, still prefixed.
  const commandOut = json ? err : out
  const writer = (target: FanoutTarget, gate: OutputGate): CountingWriter =>
    flags['no-prefix'] ? new RawWriter(gate) : new LinePrefixer(`${target.label} | `, gate)

  const fanout = interactive ? new StdinFanout() : undefined
  const inputs = targets.map(() => fanout?.add())
  const source = fanout && inputStream()
  if (fanout && source) {
    source.on('error', () => fanout.end()) // a stdin that fails to read counts as ended
    source.pipe(fanout)
  }

  const failFast = new AbortController()
  setMaxListeners(0, failFast.signal) // one listener per running session
  const verdicts: Array<Verdict | undefined> = []
  await runPool(targets.length, limit, async (index) => {
    const target = targets[index]
    const input = inputs[index]
    const {outcome, verdict} = await runTarget({
      target,
      input,
      releaseInput: () => {
        if (input) fanout?.remove(input)
      },
      writers: {stdout: writer(target, commandOut), stderr: writer(target, err)},
      cancel: failFast.signal,
      say: (message) => err.write(`${target.label}: ${message}\n`),
    }, spec)
    if (input) fanout?.remove(input)
    verdicts[index] = verdict
    if (json) out.write(jsonLine(outcome))
    if (flags['fail-fast'] && (verdict.kind === 'failed' || verdict.kind === 'timed-out')) failFast.abort()
  })
  source?.unpipe()
  source?.pause()
  return fanoutExitCode(verdicts)
}
