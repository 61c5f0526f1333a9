#!/usr/bin/env -S node --no-concurrent-recompilation --no-concurrent-sparkplug --
// The `--` ends node's own options: Node 20 otherwise scans the whole command line for --env-file
// and exits 9 when `hijack exec --env-file missing ...` names a file that does not exist.
// No concurrent JIT jobs: on Node 24 and 26 such a job can wait for a garbage collection that the main
// thread, already exiting, never runs, and the process hangs after its last byte (nodejs/node#54918,
// #64560). Measured here on Node 24.22: 1-4 hangs in 150 runs of `exec -i c cat` with 16 MiB, none in
// 450 with these flags. No concurrent recompilation also means no concurrent Maglev and OSR (V8 ties
// both to it); --no-concurrent-osr on top cost ~6 ms of start-up on every run and is left out.
// CommonJS loading one bundled file (built by `npm run build`): Node starts it ~20 ms sooner than
// the same code as ES modules, and start-up is most of what a short `hijack exec` costs.
require('../dist/main.cjs').main()
