#!/usr/bin/env -S node --
// The `--` ends node's own options: Node 20 otherwise scans the whole command line for --env-file
// and exits 9 when `hijack exec --env-file missing ...` names a file that does not exist.
// CommonJS loading one bundled file (built by `npm run build`): Node starts it ~20 ms sooner than
// the same code as ES modules, and start-up is most of what a short `hijack exec` costs.
require('../dist/main.cjs').main()
