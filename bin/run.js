#!/usr/bin/env -S node --
// The `--` ends node's own options: Node 20 otherwise scans the whole command line for --env-file
// and exits 9 when `hijack exec --env-file missing ...` names a file that does not exist.
import {main} from '../dist/main.js'

await main()
