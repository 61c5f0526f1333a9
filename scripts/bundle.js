// Bundles the CLI's fast path (dist/main.js and what it imports, already type-checked by tsc) into one
// CommonJS file, dist/main.cjs, which bin/run.cjs loads. oclif, split2 and oclif-main.js stay outside:
// they are loaded only when needed, by import() from the bundle.
import {build} from 'esbuild'

await build({
  entryPoints: ['dist/main.js'],
  outfile: 'dist/main.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['@oclif/core', 'split2'],
  // main.ts finds oclif-main.js beside itself through import.meta.url, which CommonJS lacks.
  define: {'import.meta.url': '__bundleUrl'},
  // The banner comes before esbuild's own "use strict": repeat it, or the bundle runs in sloppy mode.
  banner: {js: "'use strict';\nconst __bundleUrl = require('node:url').pathToFileURL(__filename).href;"},
  logLevel: 'warning',
})
