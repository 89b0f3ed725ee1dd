#!/usr/bin/env bash
# Black-box test of the words a reader sees: runs `analyzer report` (HTML and Markdown, with and without free text)
# and `analyzer codebook --format html` (both forms) on a synthetic campaign, keeps the text a reader sees (tags,
# <style> and SVG markup removed; SVG <title> and <text> contents, alt and aria-label texts kept; entities decoded;
# translations marked lang="xx" other than fr, and identifiers set in <code>, left out),
# cuts out the technical annex (the section whose heading has id="annexe-technique", and everything after it: the only
# place where an indicator's expression may appear), and fails on a known English or technical word, naming the word,
# the file and a line of context.
# Usage: words.sh ANALYZER_BINARY SYNTH_BINARY COLLECTOR_BINARY SOURCE_DIR
set -u
an=$1
synth=$2
col=$3 # kept for the common signature of the black-box tests; not needed here
src=$4
forms=$src/forms
source "$src/tests/blackbox/lib.sh"
# Letters beyond ASCII are letters: "inférieure" holds no word "inf" (grep -P reads UTF-8 in a UTF-8 locale only).
export LC_ALL=C.UTF-8
# \b of PCRE knows ASCII letters only: a word boundary for every letter, used in place of each \b of the list.
UB='(?:(?<![\p{L}\p{N}_])(?=[\p{L}\p{N}_])|(?<=[\p{L}\p{N}_])(?![\p{L}\p{N}_]))'

# The forbidden words, one extended regular expression each (grep -E), with whether the case matters. Whole words:
# "estimation", "moyenne", "pondération" and "proportion" are French and stay allowed; "or" and "pour" are French
# too, so " or " is not in the list (" and " is). Short words that a French text has in capitals only as English
# abbreviations (CI, NA, NaN) are matched with their case.
WORDS=(
    'i:\bmeans?\b' 'i:\bmedian\b' 'i:\bnumerators?\b' 'i:\bdenominators?\b' 'i:\bestimates?\b'
    'i:\bweight(s|ed|ing)?\b' 'i:\bdesign effect\b' 'i:\bdeff\b' 'c:\bCI\b' 'c:\bNA\b' 'c:\bNaN\b' 'c:\bnull\b'
    'c:\btrue\b' 'c:\bfalse\b' 'i:\bundefined\b' 'c:\binf\b' 'c:\bInfinity\b' 'i:\bTODO\b' 'i:\bFIXME\b'
    'c:\$\{' 'c:==' 'c:!=' 'c:&&' 'c:\|\|' 'c: and ' 'i:\bn/a\b' 'i:\bp-value\b' 'i:Holm-adjusted' 'i:\brak(e|ing)\b'
    'i:\bthreshold\b' 'i:\bamong\b' 'i:\bcount-selected\b' 'i:\bselected\(' 'c:%(l?d|zu|s|f|g)\b' 'c:\(null\)'
    'i:\bstandardi[sz]ed\b' 'i:\bsuppressed\b' 'i:\bcategory\b' 'i:\bindicators?\b' 'i:\bunweighted\b'
)

# The text a reader sees in one file (HTML or Markdown), one line of output per line of input.
reader_text() { # file
    perl -0777 -pe '
        s/<[^<>]*id="annexe-technique".*//s;         # the technical annex is the last section: cut it and what follows
        s/<(\w+)\b[^>]*\blang="(?!fr)[^"]*"[^>]*>.*?<\/\1>//gs;  # a translation, marked with its language
        s/^# Annexe technique.*//ms;                 # the same in Markdown
        s/<style\b.*?<\/style>//gs;
        s/<code\b[^>]*>.*?<\/code>/ /gs;           # identifiers (a variable name such as "weight"), not words
        s/<script\b.*?<\/script>//gs;
        s/<[^>]*?\b(?:alt|aria-label)="([^"]*)"[^>]*>/ $1 /g;  # alt texts are read aloud
        s/<[^>]*>/ /g;                               # every tag, SVG ones included (their <title> and <text> stay)
        s/&lt;/</g; s/&gt;/>/g; s/&quot;/"/g; s/&#39;/\x27/g; s/&nbsp;/ /g; s/&amp;/&/g;
        s/\\([\\`*_\[\]<>#|])/$1/g;                  # Markdown escapes
    ' "$1"
}

# Prints "« word » in file:line: context" for every forbidden word of the file's reader text (the first 3 of each word).
forbidden() { # file
    local text=$tmp/text.$$ spec word re line n at
    local -a opt
    reader_text "$1" >"$text"
    for spec in "${WORDS[@]}"; do
        opt=()
        [ "${spec%%:*}" = i ] && opt=(-i)
        word=${spec#*:}
        re=${word//\\b/$UB}
        while IFS= read -r line; do
            n=${line%%:*}
            at=$(printf '%s' "${line#*:}" | grep -oP "${opt[@]}" -- ".{0,50}$re.{0,50}" | head -1)
            echo "« $word » in $(basename "$1"):$n: …${at}…"
        done < <(grep -nP "${opt[@]}" -- "$re" "$text" | head -3)
    done
    rm -f "$text"
}
words_ok() { # file
    local found
    found=$(forbidden "$1")
    [ -z "$found" ] || { echo "$found" | head -20 >"$tmp/err"; echo "$found" | head -20; return 1; }
}
checkw() { # name, file: passes when no forbidden word is seen
    if words_ok "$2" >"$tmp/found"; then ok "$1"; else not_ok "$1" "$(head -c 3000 "$tmp/found")"; fi
}

# ---- the test can fail -------------------------------------------------------------------------------------------
printf '%s%s' '<html><style>p{font-weight:bold}</style><h1>Titre</h1><p>La moyenne (mean) et le ${R07} = 1</p>' \
    '<svg><title>Axe</title><text>NaN</text></svg><table><tr><td lang="en">weighted</td></tr></table><h1 id="annexe-technique">Annexe</h1><p>numerator: ${R07}</p>' >"$tmp/probe.html"
probe_ok() {
    local f
    f=$(forbidden "$tmp/probe.html")
    echo "$f" | grep -qF 'means?' && echo "$f" | grep -q 'NaN' && echo "$f" | grep -qF '\$\{' &&
        ! echo "$f" | grep -q 'numerator' && ! echo "$f" | grep -q 'weight'
}
check "the word list finds mean, NaN and \${ in a sample, not font-weight in <style>, an English translation (lang=en) nor numerator in the technical annex" probe_ok

# ---- data --------------------------------------------------------------------------------------------------------
db=$tmp/w.db
"$synth" --forms "$forms" --form resident --n 600 --seed 11 --db "$db" >/dev/null 2>"$tmp/err"
"$synth" --forms "$forms" --form operator --n 40 --seed 12 --db "$db" >/dev/null 2>>"$tmp/err"
check "synth writes residents and operators" test -s "$db"
"$an" margins --forms "$forms" >"$tmp/m.csv" 2>"$tmp/err"
run() { # name, output file, analyzer arguments...: the file must be written, status 0
    local name=$1 out=$2
    shift 2
    if "$an" "$@" -o "$out" 2>"$tmp/err" && [ -s "$out" ]; then ok "$name"; else not_ok "$name" "stderr: $(head -c 600 "$tmp/err")"; fi
}
run "report (HTML, weighted)" "$tmp/r.html" report --db "$db" --forms "$forms" --margins "$tmp/m.csv"
run "report (Markdown, weighted)" "$tmp/r.md" report --db "$db" --forms "$forms" --margins "$tmp/m.csv" --format md
run "report (HTML, unweighted, free text)" "$tmp/rt.html" report --db "$db" --forms "$forms" --include-text
run "codebook (residents, HTML)" "$tmp/cb.html" codebook --forms "$forms" --form resident --format html
run "codebook (operators, HTML)" "$tmp/cbo.html" codebook --forms "$forms" --form operator --format html
check "the report has its technical annex, cut before the check (it alone holds expressions)" \
    grep -qF 'id="annexe-technique"' "$tmp/r.html"

# ---- the words ---------------------------------------------------------------------------------------------------
checkw "report (HTML, weighted): no English or technical word a reader sees" "$tmp/r.html"
checkw "report (Markdown): no English or technical word" "$tmp/r.md"
checkw "report (HTML, unweighted, with free text): no English or technical word" "$tmp/rt.html"
checkw "codebook (residents, HTML): no English or technical word (mean, numerator, expressions...)" "$tmp/cb.html"
checkw "codebook (operators, HTML): no English or technical word" "$tmp/cbo.html"

finish
