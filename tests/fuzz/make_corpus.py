#!/usr/bin/env python3
"""make_corpus.py -- writes the fuzzers' seed corpora and dictionaries from the project's own data.

Candidates come from the shipped forms, the shared test tables (tests/data/expressions.json, answers.json,
form_valid.json), synthetic answers (build/bin/synth), a real export (build/bin/collector serve, then
GET submissions.csv) and requests for every route. Each target's candidates are then merged by the fuzzer
itself (-merge=1) and the few dozen that cover most are kept, under descriptive names, in
FUZZ_BUILD/seeds/corpus/TARGET, with a dictionary per target in FUZZ_BUILD/seeds/dict/. Nothing is written into
the repository: the seeds follow the forms and tables as they are; tests/fuzz/run.sh runs this first (4 s).

    tests/fuzz/make_corpus.py [--build build] [--fuzz-build build-fuzz] [--out DIR] [TARGET...]

Needs build/ (cmake --build build) for synth and collector, and build-fuzz/ for the merge.
"""
import argparse
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import urllib.request
import zipfile
from xml.sax.saxutils import escape

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FUZZ = os.path.join(ROOT, "tests", "fuzz")
TIMEOUT = 30  # seconds for the collector to start and for each request
MAX_FILES = {"form": 60, "expr": 100, "answers": 60, "csv": 60, "http": 60, "xlsx": 40}


def read_targets():
    """Target name -> max_len, from tests/fuzz/targets."""
    out = {}
    with open(os.path.join(FUZZ, "targets")) as f:
        for line in f:
            parts = line.split("#")[0].split()
            if parts:
                out[parts[0]] = int(parts[1])
    return out


MAX_LEN = read_targets()
TARGETS = list(MAX_LEN)


def load(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        return json.load(f)


def compact(doc):
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


def synth(build, form, n, seed):
    """Synthetic submission bodies (dicts) for form, or [] without build/bin/synth. synth writes channel
    "paper" for a share of them, which only the paper route takes: those are posted as "mediator" here."""
    exe = os.path.join(build, "bin", "synth")
    if not os.path.exists(exe):
        print(f"make_corpus: {exe} missing, no synthetic answers", file=sys.stderr)
        return []
    out = subprocess.run([exe, "--forms", os.path.join(ROOT, "forms"), "--form", form, "--n", str(n),
                          "--seed", str(seed), "--jsonl"], check=True, capture_output=True).stdout
    bodies = [json.loads(line) for line in out.splitlines() if line.strip()]
    for b in bodies:
        if b.get("channel") == "paper":
            b["channel"] = "mediator"
    return bodies


# ---- fuzz_form --------------------------------------------------------------------------------------------

def refs(src):
    return set(re.findall(r"\$\{([A-Za-z][A-Za-z0-9_]*)", src or ""))


def section_forms(name, doc):
    """One form per section, with the earlier sections its expressions need (so that it loads)."""
    sections = doc["sections"]
    where = {q["id"]: i for i, s in enumerate(sections) for q in s["questions"]}
    out = {}
    for k, s in enumerate(sections):
        need, todo = set(), [k]
        while todo:
            i = todo.pop()
            if i in need:
                continue
            need.add(i)
            srcs = [sections[i].get("relevant")]
            for q in sections[i]["questions"]:
                srcs += [q.get("relevant"), q.get("constraint"),
                         q.get("required") if isinstance(q.get("required"), str) else None]
            for src in srcs:
                todo += [where[r] for r in refs(src) if r in where]
        sub = dict(doc)
        sub["sections"] = [sections[i] for i in sorted(need)]
        out[f"{name}-section-{s['id']}.json"] = compact(sub)
    return out


def question_forms(name, doc):
    """One small form per question type: the first question of that type, alone, with the form's lists."""
    out = {}
    for s in doc["sections"]:
        for q in s["questions"]:
            key = f"{name}-type-{q['type']}.json"
            if key in out or refs(q.get("relevant")) or refs(q.get("constraint")):
                continue
            sub = {k: v for k, v in doc.items() if k != "sections"}
            sub["sections"] = [{"id": s["id"], "title": s["title"], "questions": [q]}]
            out[key] = compact(sub)
    return out


def form_candidates(build):
    c = {}
    for name, rel in [("resident", "forms/resident.json"), ("operator", "forms/operator.json"),
                      ("form_valid", "tests/data/form_valid.json")]:
        doc = load(rel)
        c[f"{name}.json"] = compact(doc)
        c.update(section_forms(name, doc))
        c.update(question_forms(name, doc))
    return c


# ---- fuzz_expr --------------------------------------------------------------------------------------------

def expr_candidates(build):
    table = load("tests/data/expressions.json")
    qids = list(table["questions"])
    c = {}
    for i, case in enumerate(table["cases"]):
        opts = 1 if case.get("want") == "any" else 0
        if case.get("dot_question"):
            opts |= (qids.index(case["dot_question"]) + 1) << 1
        answers = dict(case.get("answers", {}))
        if "dot" in case:
            answers["."] = case["dot"]
        data = bytes([opts]) + case["expr"].encode() + b"\0" + compact(answers)
        c[f"case-{i:03d}.bin"] = data
    # Every expression of the shipped forms, against no answers.
    for name in ("resident", "operator"):
        doc = load(f"forms/{name}.json")
        for s in doc["sections"]:
            for q in s["questions"]:
                for key in ("relevant", "constraint", "required"):
                    if isinstance(q.get(key), str):
                        c[f"{name}-{q['id']}-{key}.bin"] = b"\0" + q[key].encode()
    return c


# ---- fuzz_answers -----------------------------------------------------------------------------------------

def answers_candidates(build):
    c = {}
    for i, case in enumerate(load("tests/data/answers.json")["cases"]):
        c[f"form_valid-case-{i:02d}.json"] = compact(case["answers"])
    for form, n in (("resident", 40), ("operator", 20)):
        for i, body in enumerate(synth(build, form, n, 7)):
            c[f"{form}-synth-{i:02d}.json"] = compact(body["answers"])
            if i < 3:
                c[f"{form}-submission-{i:02d}.json"] = compact(body)
    c["not-an-object.json"] = b'["R01"]'
    c["wrong-types.json"] = b'{"R01":1,"R02":["25-39"],"R06":"francais","R23":[],"O07":"4","O16":1.5}'
    return c


# ---- fuzz_csv ---------------------------------------------------------------------------------------------

def export_csv(build, form, bodies, paper):
    """The collector's own CSV export of bodies (and of paper entries with ids), or None without the binary."""
    exe = os.path.join(build, "bin", "collector")
    if not os.path.exists(exe) or not bodies:
        return None
    tmp = tempfile.mkdtemp(prefix="make_corpus_")
    db = os.path.join(tmp, "c.db")
    # Port 0: the kernel's choice, read back from "listening on 127.0.0.1:PORT" (a port probed free and then
    # passed on could be taken in between by the tests running beside this).
    srv = subprocess.Popen([exe, "serve", "--db", db, "--forms", os.path.join(ROOT, "forms"), "--listen",
                            "127.0.0.1:0", "--rate-limit", "0", "--quiet"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True)
    try:
        if not select.select([srv.stdout], [], [], TIMEOUT)[0]:
            raise RuntimeError("the collector did not start")
        port = int(re.fullmatch(r"listening on 127\.0\.0\.1:(\d+)\n", srv.stdout.readline()).group(1))
        analyst = subprocess.run([exe, "token", "add", "--db", db, "--role", "analyst", "--name", "a"],
                                 check=True, capture_output=True, text=True).stdout.strip()
        mediator = subprocess.run([exe, "token", "add", "--db", db, "--role", "mediator", "--name", "m"],
                                  check=True, capture_output=True, text=True).stdout.strip()
        base = f"http://127.0.0.1:{port}/api/v1/forms/{form}"
        for i, b in enumerate(bodies):
            if i < paper:
                url, data, hdr = f"{base}/paper", {"paper_id": f"P{i + 1}", "form_version": b["form_version"],
                                                   "answers": b["answers"]}, {"Authorization": f"Bearer {mediator}"}
            else:
                url, data, hdr = f"{base}/submissions", b, {}
            hdr["Content-Type"] = "application/json"
            urllib.request.urlopen(urllib.request.Request(url, json.dumps(data).encode(), hdr),
                                   timeout=TIMEOUT).read()
        req = urllib.request.Request(f"{base}/submissions.csv", headers={"Authorization": f"Bearer {analyst}"})
        return urllib.request.urlopen(req, timeout=TIMEOUT).read()
    finally:
        srv.terminate()
        srv.wait()
        shutil.rmtree(tmp)


def csv_candidates(build):
    c = {}
    for form in ("resident", "operator"):
        bodies = synth(build, form, 12, 11)
        full = export_csv(build, form, bodies, paper=3)
        if full is None:
            continue
        lines = full.split(b"\r\n")
        header = lines[0]
        c[f"{form}-export.csv"] = full
        c[f"{form}-header-only.csv"] = header + b"\r\n"
        c[f"{form}-one-row.csv"] = header + b"\r\n" + lines[1] + b"\r\n"
        c[f"{form}-paper-row.csv"] = header + b"\r\n" + lines[-2] + b"\r\n"
        c[f"{form}-semicolons-lf.csv"] = (header + b"\n" + lines[1] + b"\n").replace(b",", b";")
        c[f"{form}-bom.csv"] = b"\xef\xbb\xbf" + header + b"\r\n" + lines[2] + b"\r\n"
        # A row with a wrong value in every kind of column, for the import's error paths.
        cols = header.split(b",")
        bad = [b"not-a-uuid", b"9", b"", b"fax", b"xx", b"2026-13-01T00:00Z", b"bad id!"]
        bad += [b"\"x;\"\"y\"\"\"" if i % 3 == 0 else b"-1,5" if i % 3 == 1 else b"zz" for i in range(len(cols) - 7)]
        c[f"{form}-bad-row.csv"] = header + b"\r\n" + b",".join(bad) + b"\r\n"
    with open(os.path.join(ROOT, "tests/data/anct_sample.csv"), "rb") as f:
        c["anct_sample.csv"] = f.read()
    c["quoted.csv"] = b'a,"b ""quoted""","multi\nline"\r\n\r\n"",,\r\n'
    c["errors.csv"] = b'a,b"c\r\n"open'
    return c


# ---- fuzz_http --------------------------------------------------------------------------------------------

MEDIATOR, MEDIATOR2, ANALYST = "ds_fuzz_mediator1", "ds_fuzz_mediator2", "ds_fuzz_analyst"
ADMIN = "ds_fuzz_admin"  # typed no entry of the seeded sheets: the one token that may read and reconcile them
SEED_FIRST = {"R01": "QN09399A", "R02": "25-39", "R03": "femme", "R07": "bon", "R17": "non"}  # fuzz_http.c's


def request(method, path, body=None, headers=(), close=True, version="HTTP/1.1"):
    lines = [f"{method} {path} {version}", "Host: collector.example"]
    if close:
        lines.append("Connection: close")
    lines += list(headers)
    data = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    if body is not None:
        lines.append(f"Content-Length: {len(data)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + data


def http_candidates(build):
    c = {}
    get = ["/healthz", "/api/v1/forms", "/api/v1/forms/resident", "/api/v1/forms/operator/versions/1",
           "/api/v1/forms/resident/versions/9", "/api/v1/forms/%2e%2e%2fetc", "/api/v1/territories",
           "/api/v1/stats", "/f/resident", "/f/resident?t=QN09399A&lang=ar", "/qr/resident?t=QN09399B",
           "/qr/operator", "/sw.js", "/print/resident", "/entry", "/nowhere"]
    for p in get:
        c[f"get{p.replace('/', '_').replace('?', '_')}.http"] = request("GET", p)
    auth = lambda t: (f"Authorization: Bearer {t}",)
    c["get-export-csv.http"] = request("GET", "/api/v1/forms/resident/submissions.csv", headers=auth(ANALYST))
    c["get-export-jsonl.http"] = request("GET", "/api/v1/forms/operator/submissions.jsonl", headers=auth(ANALYST))
    c["get-export-no-token.http"] = request("GET", "/api/v1/forms/resident/submissions.csv")
    c["get-stats-detail.http"] = request("GET", "/api/v1/stats/detail", headers=auth(ANALYST))
    c["get-paper-sheets.http"] = request("GET", "/api/v1/forms/resident/paper/sheets", headers=auth(MEDIATOR))
    c["get-discrepancies.http"] = request("GET", "/api/v1/forms/resident/paper/discrepancies",
                                          headers=auth(ADMIN))
    c["get-discrepancies-typist.http"] = request("GET", "/api/v1/forms/resident/paper/discrepancies",
                                                 headers=auth(MEDIATOR))
    c["head-forms.http"] = request("HEAD", "/api/v1/forms", close=False)
    c["delete-forms.http"] = request("DELETE", "/api/v1/forms")
    json_hdr = ("Content-Type: application/json",)
    bodies = synth(build, "resident", 4, 3) + synth(build, "operator", 2, 3)
    for i, b in enumerate(bodies):
        form = "resident" if "R01" in b["answers"] else "operator"
        c[f"post-submission-{form}-{i}.http"] = request("POST", f"/api/v1/forms/{form}/submissions", b, json_hdr,
                                                        close=i % 2 == 0)
    if bodies:
        b = bodies[0]
        entry = {"paper_id": "P7", "form_version": "1", "answers": b["answers"]}
        c["post-paper-entry.http"] = request("POST", "/api/v1/forms/resident/paper", entry,
                                             json_hdr + auth(MEDIATOR))
        c["post-paper-double-entry.http"] = (request("POST", "/api/v1/forms/resident/paper", entry,
                                                     json_hdr + auth(MEDIATOR), close=False) +
                                             request("POST", "/api/v1/forms/resident/paper",
                                                     dict(entry, answers=dict(b["answers"], R03="autre")),
                                                     json_hdr + auth(MEDIATOR2)))
        # The seeded sheets S1 to S3 have SEED_FIRST as entry 1 (fuzz_http.c): kept as is, then with a third
        # value and its reason, then values from neither entry without a reason (422), then by a typist (403).
        c["post-reconcile.http"] = request("POST", "/api/v1/forms/resident/paper/S1/reconcile",
                                           {"answers": SEED_FIRST}, json_hdr + auth(ADMIN))
        c["post-reconcile-reasons.http"] = request(
            "POST", "/api/v1/forms/resident/paper/S2/reconcile",
            {"answers": dict(SEED_FIRST, R07="tres_bon"), "reasons": {"R07": "relu sur la feuille papier"}},
            json_hdr + auth(ADMIN))
        c["post-reconcile-unjustified.http"] = request("POST", "/api/v1/forms/resident/paper/S3/reconcile",
                                                       {"answers": b["answers"]}, json_hdr + auth(ADMIN))
        c["post-reconcile-typist.http"] = request("POST", "/api/v1/forms/resident/paper/S3/reconcile",
                                                  {"answers": SEED_FIRST}, json_hdr + auth(MEDIATOR2))
        c["post-submission-pipelined.http"] = (request("POST", "/api/v1/forms/resident/submissions", b, json_hdr,
                                                       close=False) + request("GET", "/healthz"))
        chunked = json.dumps(b).encode()
        c["post-chunked.http"] = (b"POST /api/v1/forms/resident/submissions HTTP/1.1\r\nHost: x\r\n"
                                  b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
                                  f"{len(chunked):x}\r\n".encode() + chunked + b"\r\n0\r\n\r\n")
    uuid = "6f1c1a2e-5a4b-4c3d-9e8f-0123456789ab"
    for name, body in [("invalid-json", b'{"uuid":'), ("duplicate-keys", b'{"a": 1, "a": 2}'),
                       ("unknown-field", {"uuid": uuid, "colour": 1}),
                       ("bad-version", {"uuid": uuid, "form_version": "7", "answers": {}}),
                       ("bad-started-at", {"uuid": uuid, "form_version": "1", "started_at": "2026-11-23T09:41+14:00",
                                           "answers": {}}),
                       ("invalid-answers", {"uuid": uuid, "form_version": "1", "lang": "ar",
                                            "answers": {"R17": "peut-etre", "ZZ": 1}})]:
        c[f"post-{name}.http"] = request("POST", "/api/v1/forms/resident/submissions", body, json_hdr)
    c["post-text-plain.http"] = request("POST", "/api/v1/forms/resident/submissions", b"{}",
                                        ("Content-Type: text/plain",))
    c["post-too-large.http"] = request("POST", "/api/v1/forms/resident/submissions", b"{" + b" " * 5000 + b"}",
                                       json_hdr)
    c["get-xff.http"] = request("GET", "/api/v1/stats", headers=("X-Forwarded-For: 10.0.0.1, 192.0.2.7",))
    c["get-http10.http"] = request("GET", "/api/v1/forms", close=False, version="HTTP/1.0")
    c["malformed-request-line.http"] = b"GET\r\n\r\n"
    c["malformed-header.http"] = b"GET / HTTP/1.1\r\nHost x\r\n\r\n"
    c["expect-continue.http"] = request("POST", "/api/v1/forms/resident/submissions", b"{}",
                                        json_hdr + ("Expect: 100-continue",))
    return c


# ---- dictionaries -----------------------------------------------------------------------------------------

JSON_TOKENS = ["{", "}", "[", "]", ":", ",", '""', "null", "true", "false", "0", "-1", "1.5", "1e400", "\\u0000",
               "\\u00e9", "\\ud800", '"\\"', "é", "€", b"\xff", b"\xc3"]
FORM_KEYS = ["id", "version", "languages", "title", "notice", "choice_lists", "sections", "intro", "questions",
             "type", "label", "hint", "relevant", "required", "constraint", "constraint_message", "choices", "code",
             "paper", "exclusive", "min", "max", "max_selected", "max_length", "rows", "labels", "multiple"]
QTYPES = ["single", "multiple", "integer", "decimal", "text", "long_text", "date", "scale", "grid", "territory",
          "note"]
EXPR_TOKENS = ["${", "}", ".", "(", ")", ",", "=", "!=", "<", "<=", ">", ">=", "+", "-", "*", " and ", " or ",
               " div ", " mod ", "not(", "selected(", "count-selected(", "string-length(", "today()", "true()",
               "false()", "''", '""', "'2026-11-23'", "1.5", "0", "999999999999999999999"]
CSV_TOKENS = [",", ";", '"', '""', "\r\n", "\n", "\r", "\ufeff", "uuid", "form_version", "territory",
              "channel", "lang", "received_at", "paper_id", "2026-11-23T09:41Z", "web", "mediator", "paper", "fr",
              "ar", "6f1c1a2e-5a4b-4c3d-9e8f-0123456789ab", "72,5", "-1"]
HTTP_TOKENS = ["GET ", "POST ", "HEAD ", "PUT ", "DELETE ", "OPTIONS ", "PATCH ", " HTTP/1.1\r\n", " HTTP/1.0\r\n",
               "\r\n", "\r\n\r\n", ": ", "Host: ", "Content-Type: application/json\r\n", "Content-Length: ",
               "Transfer-Encoding: chunked\r\n", "Connection: close\r\n", "Connection: keep-alive\r\n",
               "Expect: 100-continue\r\n", "X-Forwarded-For: ", "If-None-Match: ", "Accept-Encoding: gzip\r\n",
               "Authorization: Bearer ", "ds_fuzz_mediator1", "ds_fuzz_mediator2", "ds_fuzz_analyst", "ds_fuzz_admin",
               "/healthz", "/api/v1/forms", "/api/v1/forms/resident", "/api/v1/forms/operator", "/versions/1",
               "/submissions", "/submissions.csv", "/submissions.jsonl", "/paper", "/paper/sheets",
               "/paper/discrepancies", "/reconcile", "/paper/S2/reconcile", "S3", '"reasons"',
               '"relu sur la feuille papier"', "/api/v1/territories", "/api/v1/stats", "/stats/detail", "/f/resident",
               "/qr/resident", "/print/resident", "/entry", "/sw.js", "?t=QN09399A", "&lang=ar", "%2e%2e%2f", "%00",
               "0\r\n\r\n", '"uuid"', '"form_version"', '"lang"', '"channel"', '"started_at"', '"answers"',
               '"paper_id"', '"2026-11-23T09:41:27.512+01:00"']

XLSX_TOKENS = ["#xlsx\n", "\n@@", "@@xl/worksheets/sheet1.xml\n", "@@xl/sharedStrings.xml\n", "@@_rels/.rels\n",
               "@@xl/workbook.xml\n", "@@xl/_rels/workbook.xml.rels\n", "PK\x03\x04", "PK\x01\x02", "PK\x05\x06",
               "<row", "<row r=\"", "</row>", "<c r=\"", "<c>", "</c>", "<c/>", " t=\"s\"", " t=\"inlineStr\"",
               " t=\"str\"", " t=\"b\"", " t=\"e\"", " t=\"n\"", " t=\"d\"", "<v>", "</v>", "<f>", "</f>",
               "<is>", "</is>", "<t>", "</t>", "<t xml:space=\"preserve\">", "<si>", "</si>", "<r>", "</r>", "<rPh>",
               "</rPh>", "<sheetData>", "</sheetData>", "<sheets>", "<sheet name=\"", " r:id=\"rId1\"",
               "<Relationship Id=\"", " Target=\"", "/worksheet\"", "/sharedStrings\"", "/officeDocument\"",
               "TargetMode=\"External\"", "../", "/xl/", "x:", "xmlns:x=\"", "_x000D_", "_x005F_", "&amp;",
               "&#x10FFFF;", "<!DOCTYPE x [<!ENTITY a \"b\">]>", "<![CDATA[", "]]>", "A1", "XFD1048576", "IW1",
               "A20001", "4294967296", "1E308", "survey", "choices", "settings", b"\xc3\xa9", b"\xd8\xa7", b"\xff"]


def dict_entry(token):
    """A token (text, written in UTF-8, or bytes) for a libFuzzer dictionary: printable ASCII as is, the rest as
    \\xNN escapes."""
    data = token if isinstance(token, bytes) else token.encode()
    out = "".join(chr(b) if 0x20 <= b < 0x7f and b not in (0x22, 0x5c) else f"\\x{b:02x}" for b in data)
    return f'"{out}"'


def form_codes():
    """Question ids and answer codes of the shipped forms and territories."""
    words = set()
    for rel in ("forms/resident.json", "forms/operator.json", "tests/data/form_valid.json"):
        doc = load(rel)
        lists = doc.get("choice_lists", {})
        for s in doc["sections"]:
            for q in s["questions"]:
                words.add(q["id"])
                ch = q.get("choices")
                rows = q.get("rows", [])  # a list, or the name of one (the shared offer, "offre")
                rows = lists.get(rows, []) if isinstance(rows, str) else rows
                for c in (lists.get(ch, []) if isinstance(ch, str) else ch or []) + rows:
                    words.add(c["code"])
    words |= {t["code"] for t in load("forms/territories.json")["territories"]}
    return sorted(words)


def write_dicts(out):
    codes = form_codes()
    quoted = [f'"{w}"' for w in codes]
    dicts = {
        "form": JSON_TOKENS + [f'"{k}"' for k in FORM_KEYS] + [f'"{t}"' for t in QTYPES] +
                ['"fr"', '"ar"', '"en"', '"tr"', '"today"', '"2026-11-23"'] + EXPR_TOKENS,
        "expr": EXPR_TOKENS + [f"${{{q}}}" for q in load("tests/data/expressions.json")["questions"]] +
                ["${R23.pmi}", "'femme'", "'non'", "'generaliste'", "'QN09399A'", "\x00{", '"."'],
        "answers": JSON_TOKENS + quoted + ['"answers"', '"2026-11-23"', '"1900-01-01"'],
        "csv": CSV_TOKENS + codes,
        "http": HTTP_TOKENS + JSON_TOKENS + quoted[:200],
        "xlsx": XLSX_TOKENS,
    }
    os.makedirs(os.path.join(out, "dict"), exist_ok=True)
    for t, tokens in dicts.items():
        seen, lines = set(), [f"# fuzz_{t} dictionary, written by tests/fuzz/make_corpus.py"]
        for tok in tokens:
            e = dict_entry(tok)
            if e not in seen:
                seen.add(e)
                lines.append(e)
        with open(os.path.join(out, "dict", f"{t}.dict"), "w") as f:
            f.write("\n".join(lines) + "\n")


# ---- fuzz_xlsx --------------------------------------------------------------------------------------------

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def col_name(c):
    out = ""
    while c:
        c, r = divmod(c - 1, 26)
        out = chr(65 + r) + out
    return out


def xlsx_parts(sheets, shared=True, px=""):
    """The parts of a workbook (name -> bytes) holding sheets [(name, rows)], rows lists of cells (str, or
    int/float for numbers), with shared or inline strings and an optional namespace prefix ("x:")."""
    tag = lambda t: f"{px}{t}"
    xmlns = f'xmlns{":" + px[:-1] if px else ""}="{NS_MAIN}"'
    strings, index = [], {}
    sheet_xml = []
    for _, rows in sheets:
        out = [f'<{tag("worksheet")} {xmlns}><{tag("sheetData")}>']
        for r, row in enumerate(rows, 1):
            out.append(f'<{tag("row")} r="{r}">')
            for c, v in enumerate(row, 1):
                ref = f"{col_name(c)}{r}"
                if v is None or v == "":
                    continue
                if isinstance(v, bool):
                    out.append(f'<{tag("c")} r="{ref}" t="b"><{tag("v")}>{int(v)}</{tag("v")}></{tag("c")}>')
                elif isinstance(v, (int, float)):
                    out.append(f'<{tag("c")} r="{ref}"><{tag("v")}>{v}</{tag("v")}></{tag("c")}>')
                elif shared:
                    i = index.setdefault(v, len(index))
                    if i == len(strings):
                        strings.append(v)
                    out.append(f'<{tag("c")} r="{ref}" t="s"><{tag("v")}>{i}</{tag("v")}></{tag("c")}>')
                else:
                    out.append(f'<{tag("c")} r="{ref}" t="inlineStr"><{tag("is")}><{tag("t")} xml:space="preserve">'
                               f'{escape(v)}</{tag("t")}></{tag("is")}></{tag("c")}>')
            out.append(f'</{tag("row")}>')
        out.append(f'</{tag("sheetData")}></{tag("worksheet")}>')
        sheet_xml.append("".join(out))
    decl = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    rel = lambda i, kind, target: (f'<Relationship Id="rId{i}" Type="{NS_REL}/{kind}" Target="{target}"/>')
    parts = {
        "[Content_Types].xml": decl + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "_rels/.rels": decl + f'<Relationships xmlns="{NS_PKG}">{rel(1, "officeDocument", "xl/workbook.xml")}'
                              '</Relationships>',
        "xl/workbook.xml": decl + f'<{tag("workbook")} {xmlns} xmlns:r="{NS_REL}"><{tag("sheets")}>' +
                           "".join(f'<{tag("sheet")} name="{escape(n)}" sheetId="{i}" r:id="rId{i}"/>'
                                   for i, (n, _) in enumerate(sheets, 1)) + f'</{tag("sheets")}></{tag("workbook")}>',
        "xl/_rels/workbook.xml.rels": decl + f'<Relationships xmlns="{NS_PKG}">' +
                                      "".join(rel(i, "worksheet", f"worksheets/sheet{i}.xml")
                                              for i in range(1, len(sheets) + 1)) +
                                      (rel(len(sheets) + 1, "sharedStrings", "sharedStrings.xml") if shared else "") +
                                      "</Relationships>",
    }
    if shared:
        parts["xl/sharedStrings.xml"] = decl + f'<{tag("sst")} {xmlns}>' + "".join(
            f'<{tag("si")}><{tag("t")} xml:space="preserve">{escape(t)}</{tag("t")}></{tag("si")}>'
            for t in strings) + f'</{tag("sst")}>'
    for i, x in enumerate(sheet_xml, 1):
        parts[f"xl/worksheets/sheet{i}.xml"] = decl + x
    return {k: v.encode() for k, v in parts.items()}


def zip_parts(parts, method):
    import io
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return buf.getvalue()


def text_parts(parts):
    """fuzz_xlsx.c's text form: "#xlsx\n", then "@@NAME\n" and the content of each part."""
    return b"#xlsx\n" + b"\n".join(b"@@" + n.encode() + b"\n" + d for n, d in parts.items())


def xlsform_sheets(name, nquestions):
    """A small XLSForm of the shipped form: survey (type, name, labels, relevant), choices, settings."""
    doc = load(f"forms/{name}.json")
    langs = doc.get("languages", ["fr"])
    survey = [["type", "name"] + [f"label::{l} ({l})" for l in langs] + ["required", "relevant"]]
    choices = [["list_name", "name"] + [f"label::{l} ({l})" for l in langs] + ["paper"]]
    lists = doc.get("choice_lists", {})
    used = set()
    qs = [q for s in doc["sections"] for q in s["questions"]][:nquestions]
    for q in qs:
        ch = q.get("choices")
        lname = ch if isinstance(ch, str) else f"{q['id']}_list"
        survey.append([q["type"] + (f" {lname}" if ch else ""), q["id"]] +
                      [q.get("label", {}).get(l, "") for l in langs] +
                      [True if q.get("required") is True else "", q.get("relevant", "")])
        if ch and lname not in used:
            used.add(lname)
            for i, c in enumerate(lists.get(ch, []) if isinstance(ch, str) else ch, 1):
                choices.append([lname, c["code"]] + [c.get("label", {}).get(l, "") for l in langs] + [i])
    settings = [["form_id", "version", "default_language"], [doc["id"], doc["version"], "fr"]]
    return [("survey", survey), ("choices", choices), ("settings", settings)]


def xlsx_candidates(build):
    c = {}
    for name in ("resident", "operator"):
        sheets = xlsform_sheets(name, 12)
        shared, inline = xlsx_parts(sheets), xlsx_parts(sheets, shared=False)
        c[f"{name}-shared.xlsx"] = zip_parts(shared, zipfile.ZIP_DEFLATED)
        c[f"{name}-shared-stored.xlsx"] = zip_parts(shared, zipfile.ZIP_STORED)
        c[f"{name}-inline.xlsx"] = zip_parts(inline, zipfile.ZIP_DEFLATED)
        c[f"{name}-shared.txt"] = text_parts(shared)
        c[f"{name}-inline.txt"] = text_parts(inline)
        c[f"{name}-prefixed.txt"] = text_parts(xlsx_parts(sheets[::-1], px="x:"))
    tiny = xlsx_parts([("survey", [["type", "name", "label"], ["integer", "age", "Âge", 1.5, False]])])
    c["tiny.txt"] = text_parts(tiny)
    rich = dict(tiny)
    rich["xl/sharedStrings.xml"] = ('<sst xmlns="%s"><si><r><rPr><b/></rPr><t>ty</t></r><r><t>pe</t></r>'
                                    '<rPh sb="0" eb="1"><t>x</t></rPh></si><si><t>a_x000D_b</t></si>'
                                    '<si><t>c</t></si><si><t>d</t></si></sst>' % NS_MAIN).encode()
    rich["xl/worksheets/sheet1.xml"] = ('<worksheet xmlns="%s"><sheetData><row><c t="s"><v>0</v></c><c/>'
                                        '<c t="str"><f>A1</f><v>x</v></c><c t="e"><v>#N/A</v></c></row>'
                                        '<row r="9"><c r="C9" t="s"><v>3</v></c><c t="b"><f>TRUE()</f><v>1</v>'
                                        '</c></row></sheetData></worksheet>' % NS_MAIN).encode()
    c["rich.txt"] = text_parts(rich)
    # The collector's own export, once it writes one (collector forms export).
    exe = os.path.join(build, "bin", "collector")
    if os.path.exists(exe):
        tmp = tempfile.mkdtemp(prefix="make_corpus_xlsx_")
        try:
            out = os.path.join(tmp, "resident.xlsx")
            subprocess.run([exe, "forms", "export", "resident", "--forms", os.path.join(ROOT, "forms"), "-o", out],
                           capture_output=True, timeout=TIMEOUT)
            if os.path.exists(out):
                with open(out, "rb") as f:
                    c["collector-export-resident.xlsx"] = f.read()
        except (OSError, subprocess.SubprocessError) as e:
            print(f"make_corpus: no exported workbook ({e})", file=sys.stderr)
        finally:
            shutil.rmtree(tmp)
    return c


# ---- driver -----------------------------------------------------------------------------------------------

GENERATORS = {"form": form_candidates, "expr": expr_candidates, "answers": answers_candidates,
              "csv": csv_candidates, "http": http_candidates, "xlsx": xlsx_candidates}


def run_quiet(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, errors="replace").stderr


def choose(exe, t, tmp, cand):
    """At most MAX_FILES candidates: a greedy set cover of the fuzzer's features (each step keeps the candidate
    that adds most features to those kept), from the per-file features -merge=1 writes to its control file. The
    corpus stays a few dozen files even where every case of a table adds a little."""
    work = tempfile.mkdtemp(prefix=f"merge_{t}_")
    control, out = os.path.join(work, "control"), os.path.join(work, "out")
    os.mkdir(out)
    run_quiet([exe, "-merge=1", f"-max_len={MAX_LEN[t]}", f"-merge_control_file={control}", out, tmp])
    with open(control, encoding="utf-8", errors="replace") as f:
        lines = f.read().splitlines()
    nfiles = int(lines[0])
    files = [os.path.basename(p) for p in lines[2:2 + nfiles]]
    feats = {}
    for line in lines[2 + nfiles:]:
        parts = line.split()
        if parts and parts[0] == "FT":
            feats[files[int(parts[1])]] = set(parts[2:])
    shutil.rmtree(work)
    keep, seen = set(), set()
    while len(keep) < MAX_FILES[t]:
        best = max((n for n in feats if n not in keep), default=None,
                   key=lambda n: (len(feats[n] - seen), -len(cand[n])))
        if best is None or not feats[best] - seen:
            break
        keep.add(best)
        seen |= feats[best]
    return keep


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--fuzz-build", default=os.path.join(ROOT, "build-fuzz"))
    ap.add_argument("--out", help="where corpus/TARGET and dict/TARGET.dict go (default: FUZZ_BUILD/seeds)")
    ap.add_argument("--no-merge", action="store_true", help="keep every candidate")
    ap.add_argument("targets", nargs="*", default=TARGETS)
    args = ap.parse_args()
    seeds = args.out or os.path.join(args.fuzz_build, "seeds")
    write_dicts(seeds)
    for t in args.targets:
        cand = {k: v for k, v in GENERATORS[t](args.build).items() if len(v) <= MAX_LEN[t]}
        tmp = tempfile.mkdtemp(prefix=f"corpus_{t}_")
        for name, data in cand.items():
            with open(os.path.join(tmp, name), "wb") as f:
                f.write(data)
        keep = set(cand)
        exe = os.path.join(args.fuzz_build, f"fuzz_{t}")
        if not args.no_merge and os.path.exists(exe):
            keep = choose(exe, t, tmp, cand)
        out = os.path.join(seeds, "corpus", t)
        shutil.rmtree(out, ignore_errors=True)
        os.makedirs(out)
        for name in sorted(keep):
            shutil.copy(os.path.join(tmp, name), os.path.join(out, name))
        shutil.rmtree(tmp)
        size = sum(len(cand[n]) for n in keep)
        print(f"fuzz_{t}: {len(keep)} of {len(cand)} candidates kept, {size} bytes")


if __name__ == "__main__":
    main()
