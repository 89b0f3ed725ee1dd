#!/usr/bin/env bash
# edges.sh -- the degenerate cases of the analyzer's statistics against R itself.
# usage: tests/r/edges.sh ANALYZER_EDGES [WORKDIR]
# edges.R writes small surveys built to hit each case README's "Degenerate cases: the rules" covers (a raked
# share with zero variance strictly between 0 and 1, p = 0 and p = 1 with and without raking, zero-variance
# means, differences and standardised rates, a stratum and a domain of one respondent, a territory without a
# category of age, one without a category of sex); the C driver computes them with analyzer_lib, and R
# computes them with survey, applies the same documented rules to its own numbers (where it gives NaN,
# rounding noise or an error) and compares, to 1e-8 relative. One line per case, then "N passed, M failed".
set -euo pipefail
driver=${1:?usage: edges.sh ANALYZER_EDGES [WORKDIR]}
here=$(cd "$(dirname "$0")" && pwd)
work=${2:-}
if [ -z "$work" ]; then
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
fi
if ! command -v Rscript >/dev/null || ! Rscript -e 'library(survey)' >/dev/null 2>&1; then
    echo "edges.sh: Rscript with the survey package is required (scripts/setup installs it)" >&2
    exit 1
fi
Rscript "$here/edges.R" gen "$work"
"$driver" "$work"/*/
Rscript "$here/edges.R" check "$work"
