#!/usr/bin/env bash
# xlsform.sh -- the workbooks `collector forms export` writes, read by R's readxl (an independent reader) and
# checked cell by cell against the shipped JSON forms (readxl_check.R).
# usage: tests/r/xlsform.sh COLLECTOR SOURCE_DIR
set -uo pipefail
bin=${1:?usage: xlsform.sh COLLECTOR SOURCE_DIR}
src=${2:?}
if ! command -v Rscript >/dev/null || ! Rscript -e 'library(readxl); library(jsonlite)' >/dev/null 2>&1; then
    echo "xlsform.sh: Rscript with the readxl and jsonlite packages is required (Debian r-cran-readxl)" >&2
    exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for f in resident operator; do
    if ! "$bin" forms export "$f" --forms "$src/forms" -o "$work/$f.xlsx"; then
        echo "not ok - export $f"
        status=1
        continue
    fi
    if Rscript "$src/tests/r/readxl_check.R" "$work/$f.xlsx" "$src/forms/$f.json" "$src/forms/offer.json"; then
        echo "ok - $f: readxl reads the cells of the JSON form"
    else
        echo "not ok - $f: readxl reads other cells"
        status=1
    fi
done
exit $status
