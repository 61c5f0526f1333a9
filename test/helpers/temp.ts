import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

/** A fresh directory under /tmp, removed when the test `t` ends. */
export function tempDir(t: {teardown(fn: () => unknown): void}, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.teardown(() => rmSync(dir, {recursive: true, force: true}))
  return dir
}
