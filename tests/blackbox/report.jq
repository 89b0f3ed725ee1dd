# report.jq -- jq definitions for the black-box tests of the analyzer's report (report.sh, disclosure.sh):
# reading the HTML and Markdown report back into tables, and what the indicators JSON says each cell must show.
def unhtml: if test("&") then gsub("&lt;"; "<") | gsub("&gt;"; ">") | gsub("&quot;"; "\"") | gsub("&amp;"; "&") else . end;
def unmd: if test("\\\\") then gsub("\\\\(?<c>[\\\\`*_\\[\\]<>#|])"; .c) else . end;
# The HTML report, one block per line as doc.c writes it: headings, tables (header line), rows, paragraphs.
def html_blocks: split("\n") | map(
    if test("^<h[1-3][ >]") then {k: "h", l: (.[2:3] | tonumber), id: ((capture("^<h[1-3][^>]* id=\"(?<i>[^\"]*)\"") | .i) // null),
        t: (capture(">(?<t>.*)</h[1-3]>$") | .t | unhtml)}
    elif startswith("<table>") then ((capture("<caption>(?<c>.*)</caption>") | .c) // "") as $c
        | {k: "t", cap: ($c | sub(" ?<span class=\"block\">[^<]*</span>$"; "") | unhtml),
           part: (($c | capture("<span class=\"block\">\\(colonnes, partie (?<i>[0-9]+) sur (?<n>[0-9]+)\\)</span>$")
                   | {i: (.i | tonumber), n: (.n | tonumber)}) // null),
           head: [scan("<th scope=\"col\">(.*?)</th>") | .[0] | unhtml]}
    elif startswith("<tr>") then {k: "r", cells: [scan("<t[hd][^>]*>(.*?)</t[hd]>") | .[0] | unhtml]}
    elif startswith("<p class=\"finding\">") then {k: "f", t: (capture("^<p[^>]*>(?<t>.*)</p>$") | .t | unhtml)}
    elif startswith("<p") then {k: "p", t: ((capture("^<p[^>]*>(?<t>.*)</p>$") | .t | unhtml) // "")}
    else empty end);
# A table too wide for the page is written as blocks of columns (doc.c): consecutive <table>s under the same
# headings and caption, the caption ending in « (colonnes, partie i sur n) », each block repeating the leading label
# columns (header and every row's labels). join_block appends the next block's other columns to the table; what
# breaks those rules is kept in .split_error (the first problem).
def join_block($t):
    ([.head, $t.head] | map(length) | min) as $w
    | (first(range(0; $w) as $c | select(.head[$c] != $t.head[$c]) | $c) // $w) as $l
    | "part \($t.part.i) of \($t.part.n)" as $p
    | (if $l == 0 or $l == ($t.head | length) then "\($p) does not repeat the label columns, or adds no column: \($t.head)"
       elif (.lead // $l) != $l then "\($p) repeats \($l) label columns, the parts before it \(.lead)"
       elif (.rows | length) != ($t.rows | length) then "\($p) has \($t.rows | length) rows, the parts before it \(.rows | length)"
       elif ([.rows, $t.rows] | transpose | any(.[0][:$l] != .[1][:$l])) then "\($p): a row's labels differ from the parts before it"
       else null end) as $e
    | .lead = $l | .part = $t.part | .head += $t.head[$l:] | .rows = ([.rows, $t.rows] | transpose | map((.[0] // []) + ((.[1] // [])[$l:])))
    | if $e != null and .split_error == null then .split_error = $e else . end;
# The tables read back whole: the blocks of a split table joined in one (.blocks: their number), any break of the
# rules above in .split_error, also when a block is missing.
def merge_blocks: reduce .[] as $t ([];
    if $t.part != null and $t.part.i > 1 and length > 0
        and (.[length - 1] | .part != null and .part.n == $t.part.n and .part.i == $t.part.i - 1
             and [.id, .h1, .h2, .h3, .cap] == [$t.id, $t.h1, $t.h2, $t.h3, $t.cap])
    then .[length - 1] |= join_block($t)
    elif $t.part != null and $t.part.i != 1 then . + [$t | .split_error = "part \(.part.i) of \(.part.n) without the part before it"]
    else . + [$t] end)
    | map(if .part == null then del(.part)
          else (if .part.i != .part.n and .split_error == null then .split_error = "only \(.part.i) of \(.part.n) parts" else . end)
               | .blocks = .part.n | del(.part, .lead) end);
# Tables with the headings above them (h1 id, h1, h2, h3 texts), their caption, header and rows; a table split into
# blocks of columns joined back (merge_blocks).
def html_tables: reduce .[] as $b ({h: [null, null, null, null], id: null, out: []};
    if $b.k == "h" then (if $b.l == 1 then .id = $b.id | .h = [null, $b.t, null, null] elif $b.l == 2 then .h[2] = $b.t | .h[3] = null else .h[3] = $b.t end)
    elif $b.k == "t" then .out += [{id, h1: .h[1], h2: .h[2], h3: .h[3], cap: $b.cap, part: $b.part, head: $b.head, rows: []}]
    elif $b.k == "r" then .out[(.out | length) - 1].rows += [$b.cells]
    else . end) | .out | merge_blocks;
def md_cells: [splits("(?<!\\\\)\\|")] | .[1:-1] | map(sub("^ "; "") | sub(" $"; "") | unmd);
def md_blocks: split("\n") | map(
    if test("^#{1,3} ") then {k: "h", l: (capture("^(?<x>#+)") | .x | length), t: (sub("^#+ "; "") | unmd)}
    elif test("^\\*\\*.*\\*\\*$") then {k: "cap", t: (.[2:-2] | unmd)}
    elif test("^\\|[-:]") then empty
    elif startswith("| ") then {k: "r", cells: md_cells}
    elif startswith("> ") then {k: "f", t: (.[2:] | unmd)}
    elif . == "" then {k: "blank"}
    else empty end);
def md_tables: reduce .[] as $b ({h: [null, null, null, null], cap: "", intable: false, out: []};
    if $b.k == "h" then (if $b.l == 1 then .h = [null, $b.t, null, null] elif $b.l == 2 then .h[2] = $b.t | .h[3] = null else .h[3] = $b.t end) | .intable = false | .cap = ""
    elif $b.k == "cap" then .cap = $b.t
    elif $b.k == "blank" then .intable = false
    elif $b.k == "r" then (if .intable then .out[(.out | length) - 1].rows += [$b.cells]
        else .out += [{h1: .h[1], h2: .h[2], h3: .h[3], cap: .cap, head: $b.cells, rows: []}] | .intable = true | .cap = "" end)
    else . end) | .out;

# ---- the indicators JSON
def ctx($J): {
    cells: (reduce $J.indicators[] as $c ({}; .["\($c.id)|\($c.category)|\($c.group)"] = $c)),
    tests: (reduce ($J.tests[] | select(.kind == "difference")) as $t ({}; .["\($t.indicator)|\($t.category)|\($t.group)"] = $t)),
    defs: (reduce $J.indicators[] as $c ([]; if any(.[]; .id == $c.id) then . else . + [{id: $c.id, kind: $c.kind, theme: $c.theme, label: $c.label}] end)),
    cats: (reduce ($J.indicators[] | select(.category != null and .group == "commune")) as $c ({}; .[$c.id] += [{code: $c.category, label: $c.category_label}])),
    groups: $J.groups,
    rest: (([$J.tests[] | select(.kind == "difference") | .versus][0])
        // ([$J.groups[] | select(.kind == "rest" or (.kind == "territory" and (.qpv | not))) | .id] | last) // "reste_commune"),
    alpha: (1 - $J.level)};
def share: . == "proportion" or . == "distribution";
# Numbers as a French reader expects them (analyzer/publish/frfmt.h): a narrow no-break space (U+202F) between groups
# of three digits and before "%", a decimal comma.
def NNBSP: "\u202f";
def frint: tostring | if test("^-?[0-9]+$") then (ltrimstr("-") | explode | reverse | [range(0; length; 3) as $i | .[$i:$i + 3]]
    | map(reverse | implode) | reverse | join(NNBSP)) as $d | (if startswith("-") then "-" else "" end) + $d else . end;
# A figure as printed ("1 234,5") is the value rounded to one decimal.
def num_ok($s; $v): ($s | gsub(NNBSP; "") | sub(","; ".") | tonumber) as $x | (($x - $v) | fabs) <= 0.05 + 1e-9;
def NUM: "-?[0-9]{1,3}(?:\u202f[0-9]{3})*,[0-9]";
def RE: "^(?<e>\(NUM))(?<p>\u202f%)?(?: \\[(?<l>\(NUM)) ; (?<h>\(NUM))\\])?$";
# The text of a cell: "34,2 % [31,0 ; 37,5]" for a share, "52,1 [50,5 ; 53,7]" for a mean, or why there is none.
def cell_ok($t; $c; $share):
    if $c == null then $t == "—"
    elif $c.suppressed != false then $t == "secret stat."
    elif $c.estimate == null then $t == (if $c.n == 0 then "aucun répondant" else "—" end)
    elif ($t | test(RE) | not) then false
    else ($t | capture(RE)) as $m | (if $share then 100 else 1 end) as $k
        | (($m.p != null) == $share) and num_ok($m.e; $k * $c.estimate)
          and (if $c.ci_low == null then $m.l == null else $m.l != null and num_ok($m.l; $k * $c.ci_low) and num_ok($m.h; $k * $c.ci_high) end)
    end;
def value_ok($t; $v; $share): cell_ok($t; {suppressed: false, estimate: $v, ci_low: null}; $share);
def std_ok($t; $c; $share):
    if $c != null and $c.suppressed == false and $c.std_estimate != null then cell_ok($t; {suppressed: false, estimate: $c.std_estimate, ci_low: null}; $share)
    else $t == "—" end;
def n_text($c): if $c != null and $c.suppressed == false then ($c.n | frint) else "secret stat." end;
def wording($t; $alpha):
    if $t == null then "—" elif $t.suppressed then "non publié (secret statistique)"
    elif $t.p_holm < $alpha then (if $t.difference > 0 then "plus élevé" else "plus faible" end)
    else "pas de différence démontrée" end;
def flag_text($c):
    if $c == null or $c.suppressed != false then ""
    elif ($c.flags | any(. == "neff_lt_30" or . == "ci_width_ge_30" or . == "ci_relwidth_gt_130")) then "imprécis, à interpréter avec prudence"
    elif ($c.flags | any(. == "review_df" or . == "review_p01" or . == "no_variance")) then "peu de répondants"
    elif ($c.flags | any(. == "zero_variance")) then "réponses identiques dans chaque catégorie de calage : précision non mesurable"
    else "" end;
def chk($w; $ok): {w: $w, ok: $ok};
# The change of each indicator of $ds in group $g between two waves (ctx of each): null when either cell is
# suppressed or has no interval; else the difference, its interval at level $z, and its two-sided z-test p-value
# (null when se is 0: nothing to test).
def wave_changes($a; $b; $g; $ds; $z):
    [$ds[] as $d | $a.cells["\($d.id)|null|\($g)"] as $ca | $b.cells["\($d.id)|null|\($g)"] as $cb
     | if $ca.suppressed == false and $cb.suppressed == false and $ca.ci_low != null and $cb.ci_low != null then
         ($cb.estimate - $ca.estimate) as $dd | (($ca.se * $ca.se + $cb.se * $cb.se) | sqrt) as $se
         | {id: $d.id, d: $dd, lo: ($dd - $z * $se), hi: ($dd + $z * $se), p: (if $se > 0 then ($dd | fabs) / $se / 1.4142135623730951 | erfc else null end)}
       else null end];
# Holm's adjustment of an array of p-values (null where there is nothing to test), each in its place.
def holm: . as $p | [range(0; length) | select($p[.] != null)] as $idx | ($idx | length) as $m | ($idx | sort_by($p[.])) as $o
    | reduce range(0; $m) as $j ({run: 0, adj: $p}; .run = ([.run, ([1, ($m - $j) * $p[$o[$j]]] | min)] | max) | .adj[$o[$j]] = .run) | .adj;

def theme_size($x; $th): [$x.defs[] | select(.theme == $th)] | length;
def glabel($x; $id): ([$x.groups[] | select(.id == $id) | .label][0]) // $id;
def find($T; $id; $h2; $h3): [$T[] | select(.id == $id and .h2 == $h2 and .h3 == $h3)];
def one($ts; $what; f): if ($ts | length) != 1 then chk("\($what): \($ts | length) tables where 1 is expected"; false) else $ts[0] | f end;

# The heading id of the theme a residents' indicator is shown in: its theme's when the plan has it, else the last
# theme's, "Autres indicateurs".
def theme_hid($RD): .theme as $th | if any($RD.report.themes[]?; .id == $th) then "theme-\($th)" else "theme-autres" end;
# One table per indicator of a small theme: a row per group.
def indicator_checks($T; $x; $RD):
    $x.defs[] | select(.kind != "distribution" and .theme != null and theme_size($x; .theme) <= 6) | . as $d
    | one(find($T; $d | theme_hid($RD); $d.label; null); $d.id; . as $t
        | chk("\($d.id): headers"; $t.head == ["Territoire", "n", "Estimation [IC]", "Standardisé âge × sexe", "Par rapport au reste de la commune", "Remarque"]),
          chk("\($d.id): a row per group, in order"; ($t.rows | map(.[0])) == ($x.groups | map(.label))),
          (range(0; [($t.rows | length), ($x.groups | length)] | min) as $i | $x.groups[$i] as $g | $t.rows[$i] as $r
            | $x.cells["\($d.id)|null|\($g.id)"] as $c
            | chk("\($d.id) / \($g.id): n \($r[1])"; $r[1] == n_text($c)),
              chk("\($d.id) / \($g.id): estimate \($r[2])"; cell_ok($r[2]; $c; $d.kind | share)),
              chk("\($d.id) / \($g.id): standardised \($r[3])"; std_ok($r[3]; $c; $d.kind | share)),
              chk("\($d.id) / \($g.id): comparison \($r[4])"; $r[4] == wording($x.tests["\($d.id)|null|\($g.id)"]; $x.alpha)),
              chk("\($d.id) / \($g.id): remark \($r[5])"; $r[5] == flag_text($c))));
# A distribution: categories in rows, all QPV, the rest and the town in columns.
def distribution_checks($t; $x; $d; $rest):
    ["ensemble_qpv", $rest, "commune"] as $gs
    | chk("\($d.id): headers"; $t.head == (["Réponse"] + ($gs | map(glabel($x; .))))),
      chk("\($d.id): a row per category"; ($t.rows | map(.[0])) == ($x.cats[$d.id] | map(.label))),
      (range(0; [($t.rows | length), ($x.cats[$d.id] | length)] | min) as $i | $x.cats[$d.id][$i] as $k | range(0; 3) as $j
        | chk("\($d.id) / \($k.code) / \($gs[$j]): \($t.rows[$i][1 + $j])"; cell_ok($t.rows[$i][1 + $j]; $x.cells["\($d.id)|\($k.code)|\($gs[$j])"]; true)));
def distributions($T; $x; $RD; $rest):
    $x.defs[] | select(.kind == "distribution") | . as $d
    | one(find($T; $d | theme_hid($RD); $d.label; null); $d.id; distribution_checks(.; $x; $d; $rest));
# Themes of many indicators: one table (all QPV, rest, town), then the territories five at a time.
def grid_checks($T; $x):
    ([$x.defs[] | .theme] | unique | map(select(. != null and theme_size($x; .) > 6)))[] as $th
    | [$x.defs[] | select(.theme == $th and .kind != "distribution")] as $ds
    | ["ensemble_qpv", $x.rest, "commune"] as $gs
    | one(find($T; "theme-\($th)"; null; null); $th; . as $t
        | chk("\($th): headers"; $t.head == (["Indicateur"] + ($gs | map(glabel($x; .))) + ["Quartiers / reste"])),
          chk("\($th): a row per indicator"; ($t.rows | map(.[0])) == ($ds | map(.label))),
          (range(0; [($t.rows | length), ($ds | length)] | min) as $i | $ds[$i] as $d | $t.rows[$i] as $r
            | (range(0; 3) as $j | chk("\($d.id) / \($gs[$j]): \($r[1 + $j])"; cell_ok($r[1 + $j]; $x.cells["\($d.id)|null|\($gs[$j])"]; $d.kind | share))),
              chk("\($d.id): comparison \($r[4])"; $r[4] == wording($x.tests["\($d.id)|null|ensemble_qpv"]; $x.alpha)))),
      (find($T; "theme-\($th)"; null; "Par territoire") as $pt | [$x.groups[] | select(.kind == "territory")] as $terr
        | chk("\($th): the per-territory tables cover every territory"; ($pt | map(.head[1:]) | add) == ($terr | map(.label))),
          ($pt | to_entries[] | .key as $k | .value as $t | $terr[5 * $k:5 * $k + 5] as $tt
            | chk("\($th) (territories \(5 * $k)+): a row per indicator"; ($t.rows | map(.[0])) == ($ds | map(.label))),
              (range(0; [($t.rows | length), ($ds | length)] | min) as $i | $ds[$i] as $d | range(0; $tt | length) as $j
                | chk("\($d.id) / \($tt[$j].id): \($t.rows[$i][1 + $j])"; cell_ok($t.rows[$i][1 + $j]; $x.cells["\($d.id)|null|\($tt[$j].id)"]; $d.kind | share)))));
# The service an indicator is about: its label without the indicator's prefix (the text after " : ").
def service: (split(" : ")) as $s | if ($s | length) > 1 then $s[1:] | join(" : ") else . end;
# The tables of the shared diagnosis, from the plan's pairs: the residents' theme and the operators', the heading,
# the columns and the reading of a gap of 20 points.
def shared_tables($RD): [$RD.report.pairs[]? | {theme: .resident_theme, otheme: .operator_theme, h2: .title.fr, res: .residents.fr,
    ops: .operators.fr, reading: .reading.fr}];
# For each service (grid row), the first residents' indicator of $theme on it beside the operators' indicator on the
# same row of $otheme.
def twins($r; $RD; $OD; $theme; $otheme):
    ($RD.indicators | map({(.id): (.question // "")}) | add) as $rq
    | [$OD.indicators[] | select((.question // "") | contains("."))] as $oq
    | reduce ($r.defs[] | select(.theme == $theme and ($rq[.id] | contains("."))) | . as $d | ($rq[$d.id] | split(".")[1]) as $row
        | ([$oq[] | select(.theme == $otheme and (.question | split(".")[1]) == $row) | .id][0]) as $oid | select($oid != null)
        | {d: $d, oid: $oid, row: $row}) as $p ([]; if any(.[]; .row == $p.row) then . else . + [$p] end);
def shared_checks($T; $r; $o; $RD; $OD):
    chk("side by side: a table per pair of the plan, under its title";
        [$T[] | select(.id == "regards-croises") | .h2] == (shared_tables($RD) | map(.h2))),
    (shared_tables($RD)[] as $k | twins($r; $RD; $OD; $k.theme; $k.otheme) as $p
    | chk("side by side \($k.theme): the test pairs services (\($p | length))"; ($p | length) >= 5),
      one(find($T; "regards-croises"; $k.h2; null); "residents and operators: \($k.h2)"; . as $t
        | chk("side by side \($k.theme): headers"; $t.head == ["Service", $k.res, $k.ops, "Écart (points)", "Lecture"]),
          chk("side by side \($k.theme): a row per service, named without the indicator's prefix"; ($t.rows | map(.[0])) == ($p | map(.d.label | service))),
          (range(0; [($t.rows | length), ($p | length)] | min) as $i | $p[$i] as $q | $t.rows[$i] as $row
            | $r.cells["\($q.d.id)|null|commune"] as $rc | $o.cells["\($q.oid)|null|commune"] as $oc
            | chk("side by side \($q.d.id): residents \($row[1])"; cell_ok($row[1]; $rc; true)),
              chk("side by side \($q.oid): operators \($row[2])"; cell_ok($row[2]; $oc; true)),
              (if $rc.suppressed == false and $oc.suppressed == false and $rc.estimate != null and $oc.estimate != null
               then (100 * ($oc.estimate - $rc.estimate)) as $g
                 | chk("side by side \($q.d.id): gap \($row[3])"; ($row[3] | test("^\(NUM)$")) and num_ok($row[3]; $g)),
                   chk("side by side \($q.d.id): reading \($row[4])"; $row[4] == (if $g >= 20 then $k.reading else "" end))
               else chk("side by side \($q.d.id): no gap without both figures"; $row[3] == "—" and $row[4] == "") end))));
# The action sheet, one sub-section per theme of the operators' plan (its title; "Autres indicateurs" last): the
# process indicators of the theme in one table (town), then each distribution under its own heading.
def operator_checks($T; $o; $OD; $rest):
    ($OD.report.themes // []) as $th
    | def otitle: .theme as $t | ([$th[] | select(.id == $t) | .title.fr][0]) // "Autres indicateurs";
    ($o.defs | map(select(.kind != "distribution")) | group_by(otitle)[] | . as $ds | ($ds[0] | otitle) as $h2
     | one([$T[] | select(.id == "fiche-action" and .h2 == $h2 and .h3 == null and .head[0] == "Indicateur")]; "action sheet \($h2)"; . as $t
        | chk("action sheet \($h2): headers"; $t.head == ["Indicateur", "n", "Commune [IC]"]),
          chk("action sheet \($h2): a row per process indicator"; ($t.rows | map(.[0])) == ($ds | map(.label))),
          (range(0; [($t.rows | length), ($ds | length)] | min) as $i | $ds[$i] as $d | $t.rows[$i] as $row | $o.cells["\($d.id)|null|commune"] as $c
            | chk("action sheet \($d.id): n \($row[1])"; $row[1] == n_text($c)),
              chk("action sheet \($d.id): \($row[2])"; cell_ok($row[2]; $c; $d.kind | share))))),
    ($o.defs[] | select(.kind == "distribution") | . as $d | ($d | otitle) as $h2
     | one(find($T; "fiche-action"; $h2; $d.label); $d.id; distribution_checks(.; $o; $d; $rest)));
# The summary: one sentence per key indicator of the plan's synthesis, all QPV against the rest of the town.
def findings_checks($B; $x; $RD):
    [$B[] | select(.k == "f") | .t] as $fs
    | $RD.report.synthesis[] as $k
    | ($x.defs[] | select(.id == $k)) as $d
    | [$fs[] | select(startswith($d.label + " : "))] as $m
    | if ($m | length) != 1 then chk("summary: \($m | length) findings for \($k)"; false)
      else ($m[0][($d.label + " : " | length):]) as $s
        | "^(?<a>.*) dans les quartiers prioritaires, (?<b>.*) dans le reste de la commune — (?<w>[^—]*)\\.$" as $re
        | if ($s | test($re) | not) then chk("summary \($k): sentence \($s)"; false)
          else ($s | capture($re)) as $p
            | chk("summary \($k): all QPV \($p.a)"; cell_ok($p.a; $x.cells["\($k)|null|ensemble_qpv"]; $d.kind | share)),
              chk("summary \($k): rest \($p.b)"; cell_ok($p.b; $x.cells["\($k)|null|\($x.rest)"]; $d.kind | share)),
              chk("summary \($k): « \($p.w) »"; $p.w == wording($x.tests["\($k)|null|ensemble_qpv"]; $x.alpha))
          end
      end;
# The three services of the plan's first pair with the lowest residents' figure (town).
def least_known($B; $x; $RD):
    ($RD.indicators | map({(.id): (.question // "")}) | add) as $rq
    | shared_tables($RD)[0] as $k
    | [$x.defs[] | select(.theme == $k.theme and (.kind | share) and ($rq[.id] | contains("."))) | . as $d | $x.cells["\($d.id)|null|commune"] as $c
        | select($c.suppressed == false and $c.estimate != null) | {label: ($d.label | service), v: $c.estimate}] | sort_by(.v) | .[:3] as $want
    | "\($k.h2), les trois lieux aux chiffres les plus bas parmi les habitants de la commune : " as $pre
    | [$B[] | select(.k == "f" and (.t | startswith($pre))) | .t] as $m
    | if ($m | length) != 1 then chk("summary: \($m | length) sentences on the least known services"; false)
      else ($m[0][($pre | length):-1] | split(" ; ")) as $parts
        | chk("summary: the three least known services, in order: \($m[0])"; ($parts | length) == ($want | length)
            and ([$parts, $want] | transpose | all(.[0] as $s | .[1] as $w | ($s | startswith($w.label + " (")) and ($s | endswith(")"))
                and value_ok($s[($w.label + " (" | length):-1]; $w.v; true))))
      end;
def report_checks($T; $B; $R; $O; $RD; $OD):
    ctx($R) as $x | ctx($O) as $o
    | [indicator_checks($T; $x; $RD), distributions($T; $x; $RD; $x.rest), grid_checks($T; $x), shared_checks($T; $x; $o; $RD; $OD),
       operator_checks($T; $o; $OD; $x.rest), findings_checks($B; $x; $RD), least_known($B; $x; $RD)];
def failures: map(select(.ok | not) | .w);
# The figures of the HTML report: their SVG's class (chart-intervals, chart-dots, chart-bars, chart-map), role and
# title, caption, points (interval charts); for maps, each area as [fill, title, the pattern hatched over it or null],
# each label as [name, value] (two <tspan>s), the patterns declared and the url()s used.
def figures: split("<figure>")[1:] | map(split("</figure>")[0] | {
    class: ((capture("^<svg [^>]*class=\"(?<c>[^\"]*)\"") | .c) // ""),
    role: ((capture("^<svg [^>]*role=\"(?<r>[^\"]*)\"") | .r) // null),
    title: ((capture("^<svg [^>]*><title>(?<t>[^<]*)</title>") | .t | unhtml) // null),
    caption: ((capture("<figcaption>(?<c>[^<]*)</figcaption>") | .c | unhtml) // null),
    circles: ([scan("<circle ")] | length), paths: ([scan("<path ")] | length), rects: ([scan("<rect ")] | length),
    areas: [scan("<path [^>]*fill=\"([^\"]*)\"[^>]*><title>([^<]*)</title></path>(?:<path [^>]*fill=\"url\\(#([^)]*)\\)\"[^>]*/>)?")
        | map(if . == null then . else unhtml end)],
    labels: [scan("text-anchor=\"middle\"[^>]*><tspan[^>]*>([^<]*)</tspan><tspan[^>]*>([^<]*)</tspan></text>") | map(unhtml)],
    patterns: [scan("<pattern id=\"([^\"]*)\"") | .[0]], urls: ([scan("url\\(#([^)]*)\\)") | .[0]] | unique)});
def fig_is($class): .class | split(" ") | index([$class]) != null;
# The indicators the report maps (report.c, section_map): the plan's "map" list, or the four of the earlier reports
# when it has none; those the indicator file defines, in that order.
def mapped($RD): (($RD.report.map // []) | if length == 0 then ["sante_percue_bonne", "sans_medecin_traitant", "renoncement_soins", "sait_ou_aller"] else . end)
    | map(select(. as $k | $RD.indicators | any(.id == $k)));
