#!/usr/bin/env node
// Like run.js, in oclif's development mode (stack traces for unexpected errors). Build first.
import {run} from '../dist/index.js'

await run(process.argv.slice(2), {development: true})
