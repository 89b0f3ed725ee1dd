#!/usr/bin/env bash
# Browser tests of the residents' form page: Debian's Chromium driven by playwright-core against the real
# collector binary (see tests/browser/lib.js). Installs the two npm packages of package-lock.json when they are
# missing or older than the lock file; never downloads a browser.
# Usage: tests/browser/run.sh [COLLECTOR_BINARY]   (default: build/bin/collector)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

if [ ! -x /usr/bin/chromium ]; then
    echo "run.sh: /usr/bin/chromium is missing: run scripts/setup (apt-get install chromium)" >&2
    exit 1
fi
for tool in node npm sqlite3; do
    command -v "$tool" >/dev/null || { echo "run.sh: $tool is missing: run scripts/setup" >&2; exit 1; }
done

# playwright-core is pinned to 1.58, the last line that runs on node 18 (Debian 12's own nodejs).
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 18 ]; then
    echo "run.sh: node $(node --version) is too old for playwright-core: node 18 or later is needed" >&2
    exit 1
fi

# node_modules/.package-lock.json is what npm wrote at the last install: its age is the age of node_modules.
stamp=$here/node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ "$here/package-lock.json" -nt "$stamp" ]; then
    echo "run.sh: npm ci in tests/browser" >&2
    (cd "$here" && npm ci --no-audit --no-fund >&2)
    touch "$stamp"
fi

bin=${1:-$root/build/bin/collector}
[ -x "$bin" ] || { echo "run.sh: collector binary not found: $bin" >&2; exit 1; }
export COLLECTOR_BIN
COLLECTOR_BIN=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

# One test file at a time: the timing budget must not share the CPU with another browser.
serial=()
node --help 2>/dev/null | grep -q -- '--test-concurrency' && serial=(--test-concurrency=1)
cd "$root"
exec node --test "${serial[@]}" tests/browser/
