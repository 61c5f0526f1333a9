// One path exits the process: cli/exit.ts, which flushes stdout and stderr first. A process.exit()
// anywhere else would drop output still queued for a pipe (the terminal's signal handler and attach's
// forced exit used to).
import {readdirSync, readFileSync} from 'node:fs'
import {join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'
import t from 'tap'
import {runCommand} from '../helpers/cli.js'

const SRC = fileURLToPath(new URL('../../src', import.meta.url))

function sources(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sources(path)
    return entry.name.endsWith('.ts') ? [path] : []
  })
}

t.test('no module but cli/exit.ts calls process.exit', async (t) => {
  const offenders: string[] = []
  for (const file of sources(SRC)) {
    const code = readFileSync(file, 'utf8').replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '')
    if (/process\s*\.\s*exit\s*\(|process\s*\[\s*['"]exit['"]\s*\]/.test(code) && relative(SRC, file) !== join('cli', 'exit.ts')) {
      offenders.push(relative(SRC, file))
    }
  }
  t.same(offenders, [])
})

t.test('exitWhenFlushed: the exit code is the one given', async (t) => {
  const exitModule = fileURLToPath(new URL('../../dist/cli/exit.js', import.meta.url))
  const r = await runCommand('node', ['--input-type=module', '-e', `import(${JSON.stringify(exitModule)}).then(({exitWhenFlushed}) => exitWhenFlushed(7))`])
  t.equal(r.code, 7)
})
