import {Flags} from '@oclif/core'
import {HijackCommand} from '../cli/base-command.js'
import {ENDPOINT_FLAGS, type EndpointFlags} from '../cli/flag-specs.js'
import {oclifFlags} from '../cli/oclif-flags.js'
import {reportError} from '../cli/report.js'
import {formatVersion, versionReport} from '../cli/version-main.js'

export default class Version extends HijackCommand {
  static override summary = 'Show the hijack version, the daemon version, the API version in use, and the endpoint and context'
  static override description = `Like docker version. The endpoint is chosen as for exec and attach (--context, -H, DOCKER_HOST,
DOCKER_CONTEXT, the current context, the default socket). When the daemon cannot be reached, the client part is
printed and the exit status is 1.`
  static override usage = 'version [OPTIONS]'
  static override examples = ['<%= config.bin %> version', '<%= config.bin %> --context remote version --format json']

  static override flags = {
    ...oclifFlags(ENDPOINT_FLAGS),
    format: Flags.string({char: 'f', description: 'output format: json (default: a table like docker version)', options: ['json']}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Version)
    const {report, error} = await versionReport(flags as EndpointFlags, this.config.version)
    process.stdout.write(flags.format === 'json' ? `${JSON.stringify(report)}\n` : formatVersion(report))
    if (error) this.exit(reportError(error))
  }
}
