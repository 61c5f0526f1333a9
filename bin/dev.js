#!/usr/bin/env node
// Always through oclif, in its development mode (stack traces for unexpected errors). Build first.
import {execute} from '@oclif/core'
import {normalizeArgv} from '../dist/cli/argv.js'
import {COMMAND_SHAPES} from '../dist/main.js'

await execute({args: normalizeArgv(process.argv.slice(2), COMMAND_SHAPES), development: true, dir: import.meta.url})
