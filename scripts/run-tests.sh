#!/usr/bin/env bash
# The test suite, as `npm test` runs it: scripts/run-tests.sh [FILE|DIR ...] (default: all of test/).
# Two tap runs: first the tests that start no daemon, two files at a time; then, one file at a time,
# the suites that start daemons (mock, dockerd, podman, sshd, a swarm) or load the machine. Every
# *.test.ts under the named places runs in exactly one of the two, so no file can be left out.
# Prints `run-tests: N tap runs` first, so .ci/run can check that every run printed its totals.
set -uo pipefail
cd "$(dirname "$0")/.."

# Folders whose tests start no daemon and need no quiet machine.
PARALLEL='^test/(project|protocol|transport|cli|fuzz|mock-daemon/engine|mock-daemon/server)/'

[ $# -gt 0 ] || set -- test
files=()
for place in "$@"; do
  if [ -d "$place" ]; then
    while IFS= read -r f; do files+=("$f"); done < <(find "${place%/}" -name '*.test.ts' | sort)
  elif [ -f "$place" ]; then
    files+=("$place")
  else
    echo "run-tests: no such test file or folder: $place" >&2
    exit 2
  fi
done
parallel=()
serial=()
for f in "${files[@]}"; do
  if [[ $f =~ $PARALLEL ]]; then parallel+=("$f"); else serial+=("$f"); fi
done
runs=0
[ ${#parallel[@]} -eq 0 ] || runs=$((runs + 1))
[ ${#serial[@]} -eq 0 ] || runs=$((runs + 1))
echo "run-tests: $runs tap runs"
[ "$runs" -gt 0 ] || { echo "run-tests: no test files" >&2; exit 2; }

status=0
if [ ${#parallel[@]} -gt 0 ]; then npx tap --jobs=2 "${parallel[@]}" || status=1; fi
if [ ${#serial[@]} -gt 0 ]; then npx tap --jobs=1 "${serial[@]}" || status=1; fi
exit $status
