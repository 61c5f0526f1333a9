// Shapes argv before oclif parses it, so Docker's conventions hold:
// flags stop at the first operand (`hijack exec c ls -la` passes -la to ls, and --help after the
// command goes to the command), `-H` may come before the command name, `--flag=false` works for booleans.

export interface FlagShape {
  /** Long names (without --) and short chars that take a value. */
  valued: ReadonlySet<string>
  /** Long names of boolean flags that accept `--name=true|false`. */
  booleans: ReadonlySet<string>
}

export interface CommandShape {
  flags: FlagShape
  /** Operands after which flag parsing stops: 1 for `attach C`, 1 for `exec C CMD...` (stop at C). */
  stopAfterOperand: boolean
}

/** Derives the shape from oclif flag definitions (`type: 'option'` takes a value). */
export function flagShape(flags: Record<string, {type: string; char?: string}>): FlagShape {
  const valued = new Set<string>()
  const booleans = new Set<string>()
  for (const [name, flag] of Object.entries(flags)) {
    if (flag.type === 'option') {
      valued.add(name)
      if (flag.char) valued.add(flag.char)
    } else booleans.add(name)
  }
  return {valued, booleans}
}

const HOST_FLAGS = new Set(['-H', '--host'])

/**
 * Normalises `[command, ...rest]`: moves a leading `-H X` behind the command name, and for commands
 * with operands puts a `--` before the first operand so nothing after it is read as our flag.
 */
export function normalizeArgv(argv: readonly string[], shapes: Record<string, CommandShape>): string[] {
  const out = [...argv]
  const moved: string[] = []
  while (out.length > 0 && (HOST_FLAGS.has(out[0]) || out[0].startsWith('--host=') || /^-H./.test(out[0]))) {
    const flag = out.shift() as string
    moved.push(flag)
    if (HOST_FLAGS.has(flag) && out.length > 0) moved.push(out.shift() as string)
  }
  const [command, ...rest] = out
  const shape = command === undefined ? undefined : shapes[command]
  if (!shape) return moved.length > 0 && command !== undefined ? [command, ...moved, ...rest] : [...out, ...moved]
  return [command, ...moved, ...splitOperands(rest, shape)]
}

function splitOperands(args: readonly string[], shape: CommandShape): string[] {
  const {valued, booleans} = shape.flags
  const flags: string[] = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    if (arg === '--') return [...flags, '--', ...args.slice(i + 1)]
    if (arg === '-' || !arg.startsWith('-')) {
      return shape.stopAfterOperand ? [...flags, '--', ...args.slice(i)] : [...flags, ...args.slice(i)]
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=')
      const name = arg.slice(2, eq === -1 ? undefined : eq)
      if (eq !== -1 && booleans.has(name)) {
        // oclif booleans take no value: map Docker's --flag=true/false onto --flag / --no-flag.
        const value = arg.slice(eq + 1).toLowerCase()
        if (value === 'true' || value === '1') flags.push(`--${name}`)
        else if (value === 'false' || value === '0') flags.push(`--no-${name}`)
        else flags.push(arg)
        continue
      }
      flags.push(arg)
      if (eq === -1 && valued.has(name) && i + 1 < args.length) flags.push(args[++i])
      continue
    }
    // A cluster of short flags: a valued one takes the rest of the cluster or the next argument.
    flags.push(arg)
    for (let j = 1; j < arg.length; j++) {
      if (valued.has(arg[j])) {
        if (j === arg.length - 1 && i + 1 < args.length) flags.push(args[++i])
        break
      }
    }
  }
  return flags
}
