#!/usr/bin/env bash
# Black-box test of the files both programs write (issue 13, part 5), on the real binaries under umask 022:
# the database, its -wal and -shm, a backup and every `analyzer -o` output are 0600 (owner only); an existing
# database readable by others is made 0600 with a note; a symbolic link planted at a name the programs used to
# write to (FILE.tmp beside an analyzer output, a backup's destination) never leads them to write into the file it
# points to; a write that fails leaves the previous file as it was and no temporary file behind.
# Usage: files.sh COLLECTOR_BINARY ANALYZER_BINARY SYNTH_BINARY SOURCE_DIR
set -u
bin=$1
an=$2
synth=$3
src=$4
forms=$src/forms
source "$src/tests/blackbox/lib.sh"
# mode_is MODE FILE...: every file exists with exactly that mode (octal, as stat prints it).
mode_is() {
    local want=$1 f bad=0
    shift
    for f in "$@"; do
        [ "$(stat -c %a "$f" 2>&1)" = "$want" ] || { echo "$f: $(stat -c %a "$f" 2>&1), expected $want"; bad=1; }
    done
    return $bad
}
# only_files DIR NAME...: DIR holds exactly these names (hidden ones included): nothing was left behind.
only_files() {
    local dir=$1
    shift
    local got want
    got=$(cd "$dir" && ls -A | sort)
    want=$(printf '%s\n' "$@" | sort)
    [ "$got" = "$want" ] || { echo "in $dir: $(echo "$got" | tr '\n' ' '), expected $*"; return 1; }
}

umask 022
# A campaign of 300 residents and 20 operators (0.6 MB) for the analyzer and for backups larger than a size limit.
adb=$tmp/a.db
"$synth" --forms "$forms" --form resident --n 300 --seed 3 --db "$adb" >/dev/null 2>"$tmp/err"
"$synth" --forms "$forms" --form operator --n 20 --seed 4 --db "$adb" >/dev/null 2>>"$tmp/err"

# ---- the collector's database, -wal, -shm and backups ------------------------------------------------------
mkdir "$tmp/data"
db=$tmp/data/c.db
start_collector "$bin" "$db" "$forms"
st=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
    -d '{"uuid":"00000000-0000-4000-8000-000000000001","form_version":"1","lang":"fr","channel":"web",
        "answers":{"R01":"QN09399A","R02":"25-39","R03":"femme","R07":"bon","R17":"non"}}' \
    "$base/api/v1/forms/resident/submissions")
check "a submission is stored" test "$st" = 201
check "umask 022: the database, its -wal and its -shm are 0600 while the collector runs" \
    mode_is 600 "$db" "$db-wal" "$db-shm"
"$bin" backup --db "$db" "$tmp/backup.db" >"$tmp/b.out" 2>&1
check "umask 022: a backup is 0600" mode_is 600 "$tmp/backup.db"
check "the backup holds the submission" test "$(sqlite3 "$tmp/backup.db" 'SELECT count(*) FROM submissions')" = 1
stop_collector

chmod 644 "$db"
"$bin" token list --db "$db" >/dev/null 2>"$tmp/err"
check "an existing database readable by others is made 0600 when the collector opens it" mode_is 600 "$db"
check "... and stderr says so, naming the file" grep -qF "$db était lisible par d'autres utilisateurs" "$tmp/err"

# The destination given to backup is replaced, never written through: a link planted there by another user (to a
# file of theirs, or one they want the administrator to overwrite) is replaced by the backup.
mkdir "$tmp/b"
: >"$tmp/b/victim"
ln -s victim "$tmp/b/dest.db"
"$bin" backup --db "$db" "$tmp/b/dest.db" >"$tmp/b.out" 2>&1
check "backup to a symbolic link: the file it points to is left unchanged" test ! -s "$tmp/b/victim"
check "... and the destination is now the backup itself, a 0600 file" \
    bash -c 'test ! -L "$1" && test "$(sqlite3 "$1" "SELECT count(*) FROM submissions")" = 1 && test "$(stat -c %a "$1")" = 600' _ "$tmp/b/dest.db"
rm "$tmp/b/dest.db"
echo "données de la victime" >"$tmp/b/victim"
ln -s victim "$tmp/b/dest.db-journal"
"$bin" backup --db "$db" "$tmp/b/dest.db" >"$tmp/b.out" 2>&1
check "backup with a link at DEST-journal: the file it points to is unchanged" \
    test "$(cat "$tmp/b/victim")" = "données de la victime"
rm -f "$tmp/b/dest.db-journal"

mkdir "$tmp/f"
head -c 8192 /dev/urandom >"$tmp/f/garbage.db"
"$bin" backup --db "$tmp/f/garbage.db" "$tmp/f/copy.db" >"$tmp/b.out" 2>&1
check "a backup that fails: status 1" test $? -eq 1
check "... and nothing is left behind, neither the destination nor a temporary file" only_files "$tmp/f" garbage.db
# The file size limit stands in for a full disk (SIGXFSZ ignored, so that the write fails instead).
(ulimit -f 64; trap '' XFSZ; exec "$bin" backup --db "$adb" "$tmp/f/copy.db") >"$tmp/b.out" 2>&1
check "a backup that runs out of space: status 1" test $? -eq 1
check "... and nothing is left behind" only_files "$tmp/f" garbage.db
cp "$tmp/backup.db" "$tmp/f/copy.db"
(ulimit -f 64; trap '' XFSZ; exec "$bin" backup --db "$adb" "$tmp/f/copy.db") >"$tmp/b.out" 2>&1
check "a backup over a previous one that runs out of space: the previous one intact, no temporary file left" \
    bash -c 'cmp "$1/copy.db" "$2" && cd "$1" && test "$(ls -A | sort | tr "\n" " ")" = "copy.db garbage.db "' \
    _ "$tmp/f" "$tmp/backup.db"

# ---- the analyzer's -o outputs --------------------------------------------------------------------------------
mkdir "$tmp/o"
outputs=(ind.json ind.csv report.html report.md export.csv codebook.csv codebook.html)
# produce DIR NAME: runs the analyzer command that writes output NAME, into DIR/NAME.
produce() {
    local o=$1/$2
    case $2 in
    ind.json) "$an" indicators --db "$adb" --forms "$forms" --form resident -o "$o" ;;
    ind.csv) "$an" indicators --db "$adb" --forms "$forms" --form resident --format csv -o "$o" ;;
    report.html) "$an" report --db "$adb" --forms "$forms" -o "$o" ;;
    report.md) "$an" report --db "$adb" --forms "$forms" --format md -o "$o" ;;
    export.csv) "$an" export --db "$adb" --forms "$forms" --form resident -o "$o" ;;
    codebook.csv) "$an" codebook --forms "$forms" --form resident -o "$o" ;;
    codebook.html) "$an" codebook --forms "$forms" --form resident --format html -o "$o" ;;
    esac
}
statuses=
for name in "${outputs[@]}"; do
    produce "$tmp/o" "$name" 2>>"$tmp/err"
    statuses+="$? "
done
check "every analyzer output written with -o: status 0" test "$statuses" = "0 0 0 0 0 0 0 "
check "umask 022: every analyzer output is 0600 (indicators JSON and CSV, report HTML and Markdown, export, codebook CSV and HTML)" \
    mode_is 600 "${outputs[@]/#/$tmp/o/}"
check "... and no temporary file is left beside them" only_files "$tmp/o" "${outputs[@]}"

# A link at FILE.tmp, the name the analyzer used to write to, pointing to a victim: the victim stays as it was.
mkdir "$tmp/l"
victims_ok=1 written_ok=1
for name in "${outputs[@]}"; do
    echo "fichier de la victime" >"$tmp/l/victim-$name"
    ln -s "victim-$name" "$tmp/l/$name.tmp"
    produce "$tmp/l" "$name" 2>>"$tmp/err"
    [ "$(cat "$tmp/l/victim-$name")" = "fichier de la victime" ] || victims_ok=0
    [ -f "$tmp/l/$name" ] && [ -s "$tmp/l/$name" ] && [ ! -L "$tmp/l/$name" ] || written_ok=0
done
check "a link planted at FILE.tmp for every output: the file it points to is unchanged" test $victims_ok = 1
check "... and every output is written where asked" test $written_ok = 1

# A directory planted at FILE.tmp used to make every run fail (fopen: is a directory).
mkdir "$tmp/d" "$tmp/d/ind.json.tmp"
"$an" indicators --db "$adb" --forms "$forms" --form resident -o "$tmp/d/ind.json" 2>"$tmp/err"
check "a directory planted at FILE.tmp does not stop the analyzer" \
    bash -c 'test $1 -eq 0 && test -s "$2"' _ $? "$tmp/d/ind.json"

# rename() over a device, a pipe or a link to one would replace it (-o /dev/stdout as root replaced the system's
# /dev/stdout): such a target is refused. A named pipe stands in for the device here.
mkfifo "$tmp/d/pipe"
"$an" codebook --forms "$forms" --form resident -o "$tmp/d/pipe" 2>"$tmp/err"
check "-o to a named pipe: status 1, message names it, the pipe left in place" \
    bash -c 'test $1 -eq 1 && grep -qF "$2 : pas un fichier ordinaire" "$3" && test -p "$2"' _ $? "$tmp/d/pipe" "$tmp/err"

# A write that fails half-way (the file size limit stands in for a full disk): status 1, the previous file kept,
# no temporary file left.
mkdir "$tmp/x"
echo "ancien export" >"$tmp/x/export.csv"
(ulimit -f 64; trap '' XFSZ; exec "$an" export --db "$adb" --forms "$forms" --form resident -o "$tmp/x/export.csv") \
    2>"$tmp/err"
check "analyzer export when the disk fills up: status 1, message names the file" \
    bash -c 'test $1 -eq 1 && grep -qF "$2" "$3"' _ $? "$tmp/x/export.csv" "$tmp/err"
check "... the previous file is intact and no temporary file is left" \
    bash -c 'test "$(cat "$1/export.csv")" = "ancien export" && cd "$1" && test "$(ls -A)" = export.csv' _ "$tmp/x"

check "no sanitizer report in any run" sanitizer_clean
finish
