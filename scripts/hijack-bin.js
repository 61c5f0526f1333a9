// How scripts and benches start hijack with a chosen node: `node <flags> bin/run.cjs`, with the node
// flags of bin/run.cjs's own `#!` line (read from it, so there is one list), as a user's `hijack` gets.
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

export const HIJACK_BIN = fileURLToPath(new URL('../bin/run.cjs', import.meta.url))

/** The node options on bin/run.cjs's `#!/usr/bin/env -S node ... --` line. */
export const HIJACK_NODE_FLAGS = /^#!\/usr\/bin\/env -S node (.*?)\s*--\s*$/m.exec(readFileSync(HIJACK_BIN, 'utf8').split('\n')[0])?.[1].split(/\s+/).filter(Boolean) ?? []

/** argv after the node executable: the flags, then the bin. */
export const hijackArgv = () => [...HIJACK_NODE_FLAGS, HIJACK_BIN]
