// Everything the fast path does not run (help, version, parse errors, mock-daemon) goes through oclif.
// A module of its own, imported by URL from main.ts, so the bundled fast path never contains oclif.
export async function runOclif(args: string[]): Promise<void> {
  const {execute} = await import('@oclif/core')
  await execute({args, dir: import.meta.url})
}

/** An unexpected crash on the fast path, printed as oclif prints any crash. */
export async function handleCrash(error: unknown): Promise<void> {
  const {handle} = await import('@oclif/core')
  await handle(error as Error)
}
