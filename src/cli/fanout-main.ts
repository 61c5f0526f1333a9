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
import {parseFilters, parseNames, resolveSelection, type Selection, type Slot} from './fanout/selection.js'
import {StdinFanout} from './fanout/stdin-fanout.js'
import {runTarget, type ExecSpec} from './fanout/target-session.js'
import {inputStream} from './terminal-session.js'

/** Default and most sessions at once: each holds a connection (a file descriptor) and its buffers. */
export const DEFAULT_PARALLEL = 256
export const MAX_PARALLEL = 1024

function parseParallel(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined
  const n = Number(raw)
  if (!/^\d+$/.test(raw.trim()) || n < 1 || n > MAX_PARALLEL) {
    throw new UsageError(`invalid argument "${raw}" for "--parallel" flag: expected a whole number from 1 to ${MAX_PARALLEL}`)
  }
  return n
}

/** `operands` are CONTAINER[,CONTAINER...] COMMAND..., or only COMMAND... with --filter. */
export async function runFanout(flags: ExecFlags, operands: string[], spec: Omit<ExecSpec, 'cmd'>): Promise<number> {
  if (flags.tty) throw new UsageError('-t cannot be used with several containers: their terminals would share one screen')
  if (flags.detach) throw new UsageError('-d cannot be used with several containers')
  const selection: Selection = flags.filter?.length ? {filters: parseFilters(flags.filter)} : {names: parseNames(operands[0])}
  const cmd = 'filters' in selection ? operands : operands.slice(1)
  if (cmd.length === 0) throw new UsageError('no command given to run in the containers', 1)
  const parallel = parseParallel(flags.parallel)
  const hosts = resolveExecHosts(flags)

  const apis = hosts.map((host) => ({host, api: DockerApi.connect(host)}))
  for (const {api} of apis) api.catch(() => {}) // each failure is reported by the slots that use it
  const slots = await resolveSelection(apis, selection)
  if (slots.length === 0) throw new UsageError('no container matches the filter', 1)
  const limit = parallel ?? Math.min(slots.length, DEFAULT_PARALLEL)
  const interactive = Boolean(flags.interactive)
  if (interactive && limit < slots.length) {
    throw new UsageError(`-i copies stdin to every session at once: ${slots.length} containers need --parallel ${slots.length} (at most ${MAX_PARALLEL})`)
  }

  const out = new OutputGate(process.stdout)
  const err = new OutputGate(process.stderr)
  const json = Boolean(flags.json)
  // --json keeps stdout for the results; the commands' output goes to stderr, still prefixed.
  const commandOut = json ? err : out
  const label = (slot: Slot): string => (hosts.length > 1 ? `${slot.host.url}/${slot.name}` : slot.name)
  const writer = (slot: Slot, gate: OutputGate): CountingWriter =>
    flags['no-prefix'] ? new RawWriter(gate) : new LinePrefixer(`${label(slot)} | `, gate)

  const fanout = interactive ? new StdinFanout() : undefined
  const inputs = slots.map(() => fanout?.add())
  const source = fanout && inputStream()
  if (fanout && source) {
    source.on('error', () => fanout.end()) // a stdin that fails to read counts as ended
    source.pipe(fanout)
  }

  const failFast = new AbortController()
  setMaxListeners(0, failFast.signal) // one listener per running session
  const verdicts: Array<Verdict | undefined> = []
  await runPool(slots.length, limit, async (index) => {
    const slot = slots[index]
    const input = inputs[index]
    const {outcome, verdict} = await runTarget({
      slot,
      api: apis.find((a) => a.host === slot.host)?.api as Promise<DockerApi>,
      input,
      releaseInput: () => {
        if (input) fanout?.remove(input)
      },
      writers: {stdout: writer(slot, commandOut), stderr: writer(slot, err)},
      cancel: failFast.signal,
      say: (message) => err.write(`${label(slot)}: ${message}\n`),
    }, {...spec, cmd})
    if (input) fanout?.remove(input)
    verdicts[index] = verdict
    if (json) out.write(jsonLine(outcome))
    if (flags['fail-fast'] && (verdict.kind === 'failed' || verdict.kind === 'timed-out')) failFast.abort()
  })
  source?.unpipe()
  source?.pause()
  return fanoutExitCode(verdicts)
}
