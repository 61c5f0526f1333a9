// Exiting without losing output. Node writes to a pipe asynchronously, so bytes still queued in
// process.stdout when process.exit() runs are dropped: `hijack exec c cat < big | slow-reader` lost
// its last kilobytes that way under load. Exit only once both streams have handed everything on.

/** Resolves once everything written to `stream` so far has left the process (or the stream failed). */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.destroyed || stream.writableLength === 0) return Promise.resolve()
  // A write's callback runs only after the writes queued before it: an empty one marks the end.
  return new Promise((resolve) => {
    stream.write('', () => resolve())
  })
}

/** process.exit(code) after stdout and stderr have flushed. */
export async function exitWhenFlushed(code: number): Promise<never> {
  await Promise.all([flushed(process.stdout), flushed(process.stderr)])
  process.exit(code)
}
