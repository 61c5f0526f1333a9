import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {removeAtExit} from './exit-cleanup.js'

/** A fresh directory under /tmp, removed when the test `t` ends, or at exit if tap kills the file first. */
export function tempDir(t: {teardown(fn: () => unknown): void}, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  const cancel = removeAtExit(dir)
  t.teardown(() => {
    cancel()
    rmSync(dir, {recursive: true, force: true})
  })
  return dir
}
