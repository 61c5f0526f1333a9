// Facts about the machine the mock reports as the daemon's (version, info, image inspect).
import {arch} from 'node:os'

/** Go's name for the CPU architecture (`amd64`), as dockerd reports it. */
export const goArch = (): string => ({x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm'})[arch()] ?? arch()
