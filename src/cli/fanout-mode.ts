import type {ExecFlags} from './flag-specs.js'

/**
 * Several containers (`a,b`, --filter), several daemons (-H or --context twice), or a flag that only means something
 * for a set (--json, --fail-fast, --no-prefix, --parallel): fan-out mode. One container given plainly
 * keeps `docker exec`'s behaviour.
 */
export function isFanout(flags: ExecFlags, container: string): boolean {
  return Boolean(flags.filter?.length || container.includes(',') || (flags.host?.length ?? 0) + (flags.context?.length ?? 0) > 1 ||
    flags.json || flags['fail-fast'] || flags['no-prefix'] || flags.parallel !== undefined)
}
