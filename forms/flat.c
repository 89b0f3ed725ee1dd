/* flat.c -- the one flat layout of a form's answers and the text of its cells (see flat.h). */
#include "flat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const flat_meta_names[FLAT_NMETA] = {"uuid",    "form_version", "territory",   "territory_name",
                                                 "channel", "lang",         "received_at", "paper_id"};

/* The French labels of the metadata columns (variable labels in Stata and SPSS, the codebook). */
static const char *const meta_labels[FLAT_NMETA] = {
    "Identifiant de la réponse", "Version du questionnaire", "Code du territoire", "Nom du territoire",
    "Canal de recueil",          "Langue du questionnaire",  "Date de réception",  "Numéro du questionnaire papier"};

/* ------------------------------------------------------------------ names */

/* Words Stata, SPSS or R reserve, compared without case: a variable may not be called so. */
static bool reserved(const char *name)
{
    static const char *const words[] = {
        "_all", "_b", "_coef", "_cons", "_n", "_pi", "_pred", "_rc", "_skip", "byte", "double", "float", "if", "in",
        "int", "long", "strl", "using", "with", "all", "and", "by", "eq", "ge", "gt", "le", "lt", "ne", "not", "or",
        "to", "else", "repeat", "while", "function", "for", "next", "break", "true", "false", "null", "inf", "nan",
        "na", "na_integer_", "na_real_", "na_character_", "na_complex_", NULL};
    for (size_t i = 0; words[i]; i++)
        if (strcasecmp(name, words[i]) == 0)
            return true;
    /* Stata's string types str1 ... str2045 */
    if (strncasecmp(name, "str", 3) == 0 && name[3] && strspn(name + 3, "0123456789") == strlen(name + 3))
        return true;
    return false;
}

/* FNV-1a, for the suffix of a shortened name: stable across machines and runs. */
static unsigned hash16(const char *s)
{
    unsigned long h = 2166136261UL;
    for (; *s; s++)
        h = ((h ^ (unsigned char)*s) * 16777619UL) & 0xffffffffUL;
    return (unsigned)((h >> 16) ^ (h & 0xffff)) & 0xffff;
}

static bool taken(const flat_layout *l, const char *name)
{
    for (size_t i = 0; i < l->count; i++)
        if (strcasecmp(l->cols[i].name, name) == 0)
            return true;
    return false;
}

/* The valid, unique name of raw (see flat.h for the rule), into out (FLAT_NAME_MAX + 1 bytes). */
static void make_name(const flat_layout *l, const char *raw, char *out)
{
    char buf[256];
    size_t n = 0;
    if (!((raw[0] >= 'A' && raw[0] <= 'Z') || (raw[0] >= 'a' && raw[0] <= 'z')))
        buf[n++] = 'v';
    for (const char *p = raw; *p && n < sizeof buf - 5; p++) {
        char c = *p;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')
            buf[n++] = c;
        else if (c == '+')
            memcpy(buf + n, "plus", 4), n += 4;
        else
            buf[n++] = '_';
    }
    buf[n] = '\0';
    if (reserved(buf) && n < sizeof buf - 1)
        buf[n++] = '_', buf[n] = '\0';
    if (n > FLAT_NAME_MAX)
        snprintf(buf + FLAT_NAME_MAX - 5, 6, "_%04x", hash16(raw));
    buf[FLAT_NAME_MAX] = '\0'; /* already at most FLAT_NAME_MAX long: says so to the compiler */
    memcpy(out, buf, FLAT_NAME_MAX + 1);
    for (unsigned k = 2; taken(l, out); k++) {
        char suffix[16];
        int sl = snprintf(suffix, sizeof suffix, "_%u", k);
        size_t keep = strlen(buf);
        if (keep + (size_t)sl > FLAT_NAME_MAX)
            keep = FLAT_NAME_MAX - (size_t)sl;
        snprintf(out, FLAT_NAME_MAX + 1, "%.*s%s", (int)keep, buf, suffix);
    }
}

/* ------------------------------------------------------------------ layout */

typedef struct builder {
    flat_layout *l;
    size_t cap;
    bool include_text;
    char **seen;    /* raw names already placed ("R23.pmi"), so an older version adds only what is new */
    size_t nseen;
} builder;

static bool seen(builder *b, const char *raw)
{
    for (size_t i = 0; i < b->nseen; i++)
        if (strcmp(b->seen[i], raw) == 0)
            return true;
    b->seen = xrealloc(b->seen, (b->nseen + 1) * sizeof *b->seen);
    b->seen[b->nseen++] = xstrdup(raw);
    return false;
}

static flat_col *add(builder *b, const char *raw, flat_kind kind, flat_type type)
{
    flat_layout *l = b->l;
    if (l->count == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 64;
        l->cols = xrealloc(l->cols, b->cap * sizeof *l->cols);
    }
    char name[FLAT_NAME_MAX + 1];
    make_name(l, raw, name);
    flat_col *c = &l->cols[l->count++];
    memset(c, 0, sizeof *c);
    c->name = xstrdup(name);
    c->kind = kind;
    c->type = type;
    return c;
}

static bool is_multi(const form_question *q)
{
    return q->type == FQ_MULTIPLE || (q->type == FQ_TERRITORY && q->multiple);
}

/* True when code is an exclusive nsp or refus choice of multiple question q: it has no column (flat.h). */
static bool special_choice(const form_question *q, const form_choice *ch)
{
    return ch->exclusive && flat_special(ch->code) != 0 && is_multi(q);
}

static void add_question(builder *b, const form *f, const form_question *q)
{
    char raw[256];
    if (q->type == FQ_NOTE || ((q->type == FQ_TEXT || q->type == FQ_LONG_TEXT) && !b->include_text))
        return;
    if (q->type == FQ_GRID) {
        for (size_t r = 0; r < q->nrows; r++) {
            snprintf(raw, sizeof raw, "%s.%s", q->id, q->rows[r].code);
            if (seen(b, raw))
                continue;
            flat_col *c = add(b, raw, FLAT_ROW, FLAT_T_CODED);
            c->q = q, c->code = q->rows[r].code, c->code_label = form_text(q->rows[r].label, "fr");
        }
    } else if (is_multi(q)) {
        const terr_set *ts = f->territories;
        for (size_t t = 0; q->type == FQ_TERRITORY && ts && t < ts->count; t++) {
            snprintf(raw, sizeof raw, "%s.%s", q->id, ts->items[t].code);
            if (seen(b, raw))
                continue;
            flat_col *c = add(b, raw, FLAT_CHOICE, FLAT_T_BINARY);
            c->q = q, c->code = ts->items[t].code, c->code_label = ts->items[t].name;
        }
        for (size_t k = 0; k < q->nchoices; k++) {
            if (special_choice(q, &q->choices[k]))
                continue;
            snprintf(raw, sizeof raw, "%s.%s", q->id, q->choices[k].code);
            if (seen(b, raw))
                continue;
            flat_col *c = add(b, raw, FLAT_CHOICE, FLAT_T_BINARY);
            c->q = q, c->code = q->choices[k].code, c->code_label = form_text(q->choices[k].label, "fr");
        }
    } else if (!seen(b, q->id)) {
        flat_type type = FLAT_T_STRING;
        if (q->type == FQ_SINGLE)
            type = FLAT_T_CODED;
        else if (q->type == FQ_INTEGER || q->type == FQ_DECIMAL || q->type == FQ_SCALE)
            type = FLAT_T_NUMBER;
        add(b, q->id, FLAT_VALUE, type)->q = q;
    }
}

flat_layout *flat_layout_new(const catalog *c, const char *form_id, const ind_set *defs, bool include_text)
{
    const form *cur = catalog_current(c, form_id);
    if (cur == NULL)
        return NULL;
    flat_layout *l = xcalloc(1, sizeof *l);
    l->ts = catalog_territories(c);
    builder b = {l, 0, include_text, NULL, 0};
    for (int m = 0; m < FLAT_NMETA; m++)
        add(&b, flat_meta_names[m], FLAT_META, FLAT_T_STRING)->meta = m;
    for (size_t i = 0; i < cur->nquestions; i++)
        add_question(&b, cur, &cur->questions[i]);
    /* Older versions, newest first, add only the columns the current one lacks. */
    for (size_t v = catalog_count(c); v-- > 0;) {
        const form *f = catalog_at(c, v);
        if (f == cur || strcmp(f->id, form_id) != 0)
            continue;
        for (size_t i = 0; i < f->nquestions; i++)
            add_question(&b, f, &f->questions[i]);
    }
    add(&b, "poids", FLAT_WEIGHT, FLAT_T_NUMBER);
    for (size_t s = 0; defs && s < ind_score_count(defs); s++) {
        char raw[256];
        const ind_score *sc = ind_score_at(defs, s);
        snprintf(raw, sizeof raw, "score_%s", sc->id);
        add(&b, raw, FLAT_SCORE, FLAT_T_NUMBER)->score = sc;
    }
    for (size_t i = 0; i < b.nseen; i++)
        free(b.seen[i]);
    free(b.seen);
    return l;
}

void flat_layout_free(flat_layout *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->count; i++)
        free(l->cols[i].name);
    free(l->cols);
    free(l);
}

const flat_col *flat_find(const flat_layout *l, const char *name)
{
    for (size_t i = 0; i < l->count; i++)
        if (strcmp(l->cols[i].name, name) == 0)
            return &l->cols[i];
    return NULL;
}

/* ------------------------------------------------------------------ cells */

static void label_text(const flat_col *col, sbuf *out);

char flat_special(const char *code)
{
    if (code == NULL)
        return 0;
    if (strcmp(code, "nsp") == 0)
        return 'a';
    if (strcmp(code, "refus") == 0)
        return 'b';
    return 0;
}

const char *flat_number_text(double v, char *buf, size_t len)
{
    /* The shortest of %.15g .. %.17g that reads back exactly: 0.1 is "0.1", not 0.10000000000000001. */
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return buf;
}

static void scalar(const json_t *v, sbuf *out)
{
    char buf[40];
    if (json_is_string(v))
        sbuf_adds(out, json_string_value(v));
    else if (json_is_integer(v))
        sbuf_addf(out, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        sbuf_adds(out, flat_number_text(json_real_value(v), buf, sizeof buf));
}

/* A multiple answer's cell for code: "1", "0", the nsp / refus code that stands for the whole answer, or NULL. */
static const char *choice_cell(const json_t *v, const char *code)
{
    if (!json_is_array(v))
        return NULL;
    size_t i;
    const json_t *x;
    bool has = false;
    json_array_foreach(v, i, x) {
        const char *s = json_string_value(x);
        if (s == NULL)
            continue;
        if (strcmp(s, code) == 0)
            has = true;
    }
    if (has)
        return "1";
    /* An exclusive nsp or refus is alone in the answer and has no column: it stands in every column. */
    if (json_array_size(v) == 1) {
        const char *s = json_string_value(json_array_get(v, 0));
        if (flat_special(s))
            return s;
    }
    return "0";
}

void flat_cell(const flat_layout *l, const flat_col *col, const flat_record *r, sbuf *out)
{
    char buf[40];
    switch (col->kind) {
    case FLAT_META:
        if (col->meta == FLAT_M_TERRITORY_NAME) {
            const terr *t = l->ts && r->meta[FLAT_M_TERRITORY] ? terr_find(l->ts, r->meta[FLAT_M_TERRITORY]) : NULL;
            if (t)
                sbuf_adds(out, t->name);
        } else if (r->meta[col->meta]) {
            sbuf_adds(out, r->meta[col->meta]);
        }
        break;
    case FLAT_VALUE:
        scalar(json_object_get(r->answers, col->q->id), out);
        break;
    case FLAT_ROW:
        scalar(json_object_get(json_object_get(r->answers, col->q->id), col->code), out);
        break;
    case FLAT_CHOICE: {
        const char *s = choice_cell(json_object_get(r->answers, col->q->id), col->code);
        if (s)
            sbuf_adds(out, s);
        break;
    }
    case FLAT_WEIGHT:
        if (r->has_weight)
            sbuf_adds(out, flat_number_text(r->weight, buf, sizeof buf));
        break;
    case FLAT_SCORE: {
        double v;
        if (r->answers && ind_score_eval(col->score, r->answers, &v) == IND_IN)
            sbuf_adds(out, flat_number_text(v, buf, sizeof buf));
        break;
    }
    }
}

bool flat_number(const flat_layout *l, const flat_col *col, const flat_record *r, double *v, char *special)
{
    *special = 0;
    sbuf cell = {0};
    flat_cell(l, col, r, &cell);
    bool ok = false;
    const char *s = cell.data ? cell.data : "";
    if (s[0] == '\0') {
        ok = false;
    } else if ((*special = flat_special(s)) != 0) {
        ok = false;
    } else if (col->type == FLAT_T_CODED) {
        const form_choice *ch = form_choice_by_code(col->q, s, false);
        if (ch) {
            *v = ch->paper;
            ok = true;
        }
    } else {
        char *end;
        *v = strtod(s, &end);
        ok = *end == '\0';
    }
    sbuf_free(&cell);
    return ok;
}

/* Cuts the text appended to out since `from` to at most max_chars characters and max_bytes bytes, ending it with
 * "…" when it is cut: the limits of Stata and SPSS, applied here once so that the codebook shows what they hold. */
static void fit(sbuf *out, size_t from, size_t max_chars, size_t max_bytes)
{
    const char *s = out->data ? out->data + from : "";
    if (util_utf8_len(s) <= max_chars && strlen(s) <= max_bytes)
        return;
    size_t at = 0, chars = 0;
    /* keep room for the 3 bytes of "…" */
    while (s[at] && chars + 1 < max_chars) {
        size_t step = 1;
        while ((s[at + step] & 0xC0) == 0x80)
            step++;
        if (at + step + 3 > max_bytes)
            break;
        at += step, chars++;
    }
    while (at > 0 && s[at - 1] == ' ')
        at--;
    out->len = from + at;
    out->data[out->len] = '\0';
    sbuf_adds(out, "…");
}

void flat_value_label(const char *text, sbuf *out)
{
    size_t from = out->len;
    sbuf_adds(out, text ? text : "");
    fit(out, from, FLAT_VALUE_LABEL_MAX, FLAT_VALUE_LABEL_MAX);
}

void flat_label(const flat_col *col, sbuf *out)
{
    size_t from = out->len;
    label_text(col, out);
    fit(out, from, FLAT_LABEL_MAX, 320);
}

static void label_text(const flat_col *col, sbuf *out)
{
    switch (col->kind) {
    case FLAT_META:
        sbuf_adds(out, meta_labels[col->meta]);
        break;
    case FLAT_VALUE:
        sbuf_adds(out, form_text(col->q->label, "fr"));
        break;
    case FLAT_ROW:
    case FLAT_CHOICE:
        sbuf_addf(out, "%s — %s", form_text(col->q->label, "fr"), col->code_label ? col->code_label : col->code);
        break;
    case FLAT_WEIGHT:
        sbuf_adds(out, "Poids de redressement (calage sur les marges)");
        break;
    case FLAT_SCORE:
        sbuf_adds(out, form_text(col->score->label, "fr")); /* the file's label names the score ("Score EPICES ...") */
        break;
    }
}
