/* xlsx.c -- reads .xlsx workbooks with libzip and expat. See xlsx.h; exports the xlsx_ functions.
 *
 * The path through a workbook is the one Office Open XML defines: _rels/.rels names the workbook part, the
 * workbook lists the sheets with a relationship id each, the workbook's own .rels maps those ids to parts, and
 * the shared strings part holds the text that cells of type "s" point to. Every part is inflated in chunks and
 * fed to expat as it comes, counting the bytes actually inflated (a zip's headers can lie about sizes), and
 * expat is refused any document type declaration, so that no entity can expand.
 */
#include "xlsx.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Debian's expat is built with DTD support, but its header declares the billion-laughs limits (expat >= 2.4)
 * only when the includer defines XML_DTD. We refuse every DOCTYPE anyway; the limits are a second guard. */
#ifndef XML_DTD
#define XML_DTD 1
#endif
#include <expat.h>
#include <zip.h>

#include "util.h"

#define READ_CHUNK 65536
#define NS_SEP '\x01'              /* between a namespace URI and a local name in expat's element names */
#define EXCEL_MAX_ROW 1048576u     /* the largest reference a sheet can hold (XFD1048576) */
#define EXCEL_MAX_COL 16384u
#define MAX_RELS 4096              /* relationships of one .rels part */
#define RAW_TEXT_MAX (4 * XLSX_MAX_CELL_BYTES) /* text before _xHHHH_ escapes are decoded */

/* ---------------------------------------------------------------------------------------------------------
 * The store: every text of a book, copied into large blocks freed together.
 */

typedef struct store_block {
    struct store_block *next;
    size_t used, cap;
    char data[];
} store_block;

struct xlsx_store {
    store_block *head;
};

/* A NUL-terminated copy of s[0..len) that lives as long as the store. */
static char *store_copy(struct xlsx_store *st, const char *s, size_t len)
{
    store_block *b = st->head;
    if (b == NULL || b->cap - b->used < len + 1) {
        size_t cap = len + 1 > 65536 ? len + 1 : 65536;
        b = xmalloc(sizeof *b + cap);
        b->used = 0;
        b->cap = cap;
        b->next = st->head;
        st->head = b;
    }
    char *p = b->data + b->used;
    memcpy(p, s, len);
    p[len] = '\0';
    b->used += len + 1;
    return p;
}

static void store_free(struct xlsx_store *st)
{
    if (st == NULL)
        return;
    for (store_block *b = st->head, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(st);
}

/* ---------------------------------------------------------------------------------------------------------
 * Text buffers with a limit, for the character data of one cell or shared string.
 */

/* Appends s[0..n) to b; false (and nothing appended) when the text would pass max bytes. */
static bool tbuf_add(sbuf *b, const char *s, size_t n, size_t max)
{
    if (n > max || b->len > max - n)
        return false;
    sbuf_add(b, s, n);
    return true;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Decodes in place the _xHHHH_ escapes Office writes for characters XML cannot carry (a carriage return is
 * _x000D_, a literal "_x" is _x005F_x): the result is never longer than the input. U+0000 and surrogate halves
 * stay as written, since they cannot be UTF-8. Returns the new length. */
static size_t decode_escapes(char *s, size_t len)
{
    size_t in = 0, out = 0;
    while (in < len) {
        if (s[in] == '_' && len - in >= 7 && s[in + 1] == 'x' && s[in + 6] == '_') {
            unsigned cp = 0;
            bool hex = true;
            for (size_t k = 2; k < 6 && hex; k++) {
                int h = hexval(s[in + k]);
                hex = h >= 0;
                cp = cp << 4 | (unsigned)(hex ? h : 0);
            }
            if (hex && cp != 0 && (cp < 0xD800 || cp > 0xDFFF)) {
                if (cp < 0x80) {
                    s[out++] = (char)cp;
                } else if (cp < 0x800) {
                    s[out++] = (char)(0xC0 | cp >> 6);
                    s[out++] = (char)(0x80 | (cp & 0x3F));
                } else {
                    s[out++] = (char)(0xE0 | cp >> 12);
                    s[out++] = (char)(0x80 | (cp >> 6 & 0x3F));
                    s[out++] = (char)(0x80 | (cp & 0x3F));
                }
                in += 7;
                continue;
            }
        }
        s[out++] = s[in++];
    }
    s[out] = '\0';
    return out;
}

/* ---------------------------------------------------------------------------------------------------------
 * The reader: the open archive, the diagnostics, the limits spent so far.
 */

typedef struct reader {
    zip_t *zip;
    diag_list *diags;
    const char *name;  /* the workbook as named in diagnostics */
    uint64_t total;    /* bytes inflated from the archive so far */
    size_t ncells;     /* non-empty cells kept so far, every sheet */
    xlsx_book *book;
    char **strings;    /* the shared strings, in the book's store */
    size_t nstrings, strings_cap;
} reader;

/* Formats n with a space every three digits, as French writes "20 000". Returns buf. */
static const char *fmt_count(char buf[32], unsigned long n)
{
    char digits[24];
    int len = snprintf(digits, sizeof digits, "%lu", n);
    size_t out = 0;
    for (int i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            buf[out++] = ' ';
        buf[out++] = digits[i];
    }
    buf[out] = '\0';
    return buf;
}

static void rd_error(reader *rd, const char *path, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Adds an error on the workbook at path (a part name or "sheet!F12"). */
static void rd_error(reader *rd, const char *path, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    diag_add(rd->diags, false, rd->name, path, "%s", msg);
}

/* The bytes of s to quote in a message: at most 60, never half a UTF-8 character. */
#define QUOTE_LEN(s) util_utf8_prefix((s), strlen(s), 60)

/* ---------------------------------------------------------------------------------------------------------
 * Parsing one part with expat, inflated chunk by chunk.
 */

typedef struct xml_ctx {
    reader *rd;
    XML_Parser parser;
    const char *part;  /* the part's name in the archive */
    char what[200];    /* what the part is, for expat's errors: "texte partagé", "feuille « survey »" */
    size_t item;       /* in the shared strings, the number of the <si> being read (1-based), else 0 */
    bool failed;       /* an error was reported: the parser is stopped */
} xml_ctx;

/* The local part of an element or attribute name: what follows the namespace URI. */
static const char *local_name(const char *name)
{
    const char *sep = strrchr(name, NS_SEP);
    return sep ? sep + 1 : name;
}

static bool is_elem(const char *name, const char *want)
{
    return strcmp(local_name(name), want) == 0;
}

/* The value of the attribute without namespace called want, or NULL. */
static const char *attr(const char **atts, const char *want)
{
    for (size_t i = 0; atts[i]; i += 2)
        if (strcmp(atts[i], want) == 0)
            return atts[i + 1];
    return NULL;
}

/* The value of a namespaced attribute of local name want (r:id, whatever the prefix), or NULL. */
static const char *attr_ns(const char **atts, const char *want)
{
    for (size_t i = 0; atts[i]; i += 2)
        if (strchr(atts[i], NS_SEP) && strcmp(local_name(atts[i]), want) == 0)
            return atts[i + 1];
    return NULL;
}

static void xml_fail(xml_ctx *x, const char *path, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Reports an error found by a handler and stops the parser; later calls add nothing. */
static void xml_fail(xml_ctx *x, const char *path, const char *fmt, ...)
{
    if (x->failed)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    rd_error(x->rd, path ? path : x->part, "%s", msg);
    x->failed = true;
    XML_StopParser(x->parser, XML_FALSE);
}

/* A document type declaration could declare entities (the "billion laughs"): no part of a workbook has one. */
static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
                               int has_internal)
{
    (void)name, (void)sysid, (void)pubid, (void)has_internal;
    xml_ctx *x = ud;
    xml_fail(x, NULL, "%s : déclaration DOCTYPE refusée (un classeur n'en contient pas ; elle pourrait déclarer "
             "des entités)", x->what);
}

static void XMLCALL on_entity(void *ud, const XML_Char *name, int is_param, const XML_Char *value, int len,
                              const XML_Char *base, const XML_Char *sysid, const XML_Char *pubid,
                              const XML_Char *notation)
{
    (void)name, (void)is_param, (void)value, (void)len, (void)base, (void)sysid, (void)pubid, (void)notation;
    xml_ctx *x = ud;
    xml_fail(x, NULL, "%s : déclaration d'entité refusée", x->what);
}

/* expat's error, in French words for the ones a damaged or hostile file produces. */
static const char *xml_error_fr(enum XML_Error code)
{
    switch (code) {
    case XML_ERROR_INVALID_TOKEN:
        return "caractère invalide (texte qui n'est pas de l'UTF-8 valide, ou caractère interdit en XML)";
    case XML_ERROR_PARTIAL_CHAR:
        return "caractère UTF-8 incomplet";
    case XML_ERROR_BAD_CHAR_REF:
        return "référence de caractère interdite (&#…;)";
    case XML_ERROR_UNDEFINED_ENTITY:
        return "entité inconnue";
    case XML_ERROR_UNBOUND_PREFIX:
        return "préfixe d'espace de noms non déclaré";
    case XML_ERROR_NO_ELEMENTS:
        return "document vide ou tronqué";
    case XML_ERROR_TAG_MISMATCH:
        return "balise fermante qui ne correspond pas";
    case XML_ERROR_UNCLOSED_TOKEN:
        return "balise non fermée";
    case XML_ERROR_INCORRECT_ENCODING:
    case XML_ERROR_UNKNOWN_ENCODING:
        return "encodage autre que UTF-8";
    default:
        return NULL;
    }
}

static void report_xml_error(xml_ctx *x)
{
    enum XML_Error code = XML_GetErrorCode(x->parser);
    const char *fr = xml_error_fr(code);
    char item[64] = "";
    if (x->item)
        snprintf(item, sizeof item, " n° %zu", x->item);
    rd_error(x->rd, x->part, "%s%s : XML illisible, ligne %lu, colonne %lu : %s%s%s", x->what, item,
             (unsigned long)XML_GetCurrentLineNumber(x->parser),
             (unsigned long)XML_GetCurrentColumnNumber(x->parser) + 1, fr ? fr : "XML mal formé (",
             fr ? "" : XML_ErrorString(code), fr ? "" : ")");
    x->failed = true;
}

/* Inflates the part at index and parses it with the handlers, x as user data. Returns 0, or -1 after an error
 * (the part cannot be read, passes a size limit, is not well-formed XML, or a handler refused it). */
static int parse_part(xml_ctx *x, zip_int64_t index, XML_StartElementHandler start, XML_EndElementHandler end,
                      XML_CharacterDataHandler text)
{
    reader *rd = x->rd;
    char n1[32], n2[32];
    zip_file_t *f = NULL;
    char *buf = NULL;
    int rc = -1;
    x->parser = NULL;
    x->failed = false;

    zip_stat_t st;
    if (zip_stat_index(rd->zip, (zip_uint64_t)index, 0, &st) == 0) {
        if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE) {
            rd_error(rd, x->part, "%s : partie chiffrée (classeur protégé par mot de passe ?) ; enregistrez-le "
                     "sans mot de passe", x->what);
            goto done;
        }
        /* A size announced over the limit is refused at once; one announced under it is not believed. */
        if ((st.valid & ZIP_STAT_SIZE) && st.size > XLSX_MAX_PART_BYTES) {
            rd_error(rd, x->part, "%s : plus de %s octets une fois décompressée (%s annoncés) : archive piégée ou "
                     "classeur bien trop grand", x->what, fmt_count(n1, XLSX_MAX_PART_BYTES),
                     fmt_count(n2, (unsigned long)st.size));
            goto done;
        }
    }
    f = zip_fopen_index(rd->zip, (zip_uint64_t)index, 0);
    if (f == NULL) {
        rd_error(rd, x->part, "%s : partie illisible dans l'archive (%s)", x->what, zip_strerror(rd->zip));
        goto done;
    }
    x->parser = XML_ParserCreateNS("UTF-8", NS_SEP); /* the encoding given here overrides the document's */
    if (x->parser == NULL) {
        rd_error(rd, x->part, "%s : mémoire insuffisante pour lire le XML", x->what);
        goto done;
    }
    XML_SetUserData(x->parser, x);
    XML_SetElementHandler(x->parser, start, end);
    XML_SetCharacterDataHandler(x->parser, text);
    XML_SetStartDoctypeDeclHandler(x->parser, on_doctype);
    XML_SetEntityDeclHandler(x->parser, on_entity);
    XML_SetParamEntityParsing(x->parser, XML_PARAM_ENTITY_PARSING_NEVER);
#if XML_MAJOR_VERSION > 2 || (XML_MAJOR_VERSION == 2 && XML_MINOR_VERSION >= 4)
    XML_SetBillionLaughsAttackProtectionMaximumAmplification(x->parser, 10.0f);
    XML_SetBillionLaughsAttackProtectionActivationThreshold(x->parser, 1u << 20);
#endif
    buf = xmalloc(READ_CHUNK);
    uint64_t part_bytes = 0;
    for (;;) {
        zip_int64_t n = zip_fread(f, buf, READ_CHUNK);
        if (n < 0) {
            rd_error(rd, x->part, "%s : archive abîmée, partie illisible (%s)", x->what,
                     zip_error_strerror(zip_file_get_error(f)));
            goto done;
        }
        part_bytes += (uint64_t)n;
        rd->total += (uint64_t)n;
        if (part_bytes > XLSX_MAX_PART_BYTES) {
            rd_error(rd, x->part, "%s : plus de %s octets une fois décompressée : archive piégée ou classeur bien "
                     "trop grand", x->what, fmt_count(n1, XLSX_MAX_PART_BYTES));
            goto done;
        }
        if (rd->total > XLSX_MAX_TOTAL_BYTES) {
            rd_error(rd, x->part, "le classeur dépasse %s octets une fois décompressé : archive piégée ou "
                     "classeur bien trop grand", fmt_count(n1, XLSX_MAX_TOTAL_BYTES));
            goto done;
        }
        if (XML_Parse(x->parser, buf, (int)n, n == 0) != XML_STATUS_OK) {
            if (!x->failed)
                report_xml_error(x);
            goto done;
        }
        if (x->failed)
            goto done;
        if (n == 0)
            break;
    }
    rc = 0;
done:
    free(buf);
    if (x->parser)
        XML_ParserFree(x->parser);
    x->parser = NULL;
    if (f)
        zip_fclose(f);
    return rc;
}

/* The index of the part called name (compared without case, as Open Packaging does), or -1. */
static zip_int64_t find_part(reader *rd, const char *name)
{
    return zip_name_locate(rd->zip, name, ZIP_FL_NOCASE);
}

/* ---------------------------------------------------------------------------------------------------------
 * Relationships (the _rels/ parts) and the names of parts.
 */

typedef struct rel {
    char *id, *type, *target;
    bool external;
} rel;

typedef struct rels_ctx {
    xml_ctx x;
    rel *items;
    size_t n, cap;
} rels_ctx;

static void XMLCALL rels_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    rels_ctx *c = ud;
    if (!is_elem(name, "Relationship"))
        return;
    const char *id = attr(atts, "Id"), *type = attr(atts, "Type"), *target = attr(atts, "Target");
    const char *mode = attr(atts, "TargetMode");
    if (id == NULL || type == NULL || target == NULL)
        return; /* not usable; a part it would have named is reported missing where it is needed */
    if (c->n == MAX_RELS) {
        xml_fail(&c->x, NULL, "%s : plus de %d relations", c->x.what, MAX_RELS);
        return;
    }
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->items = xrealloc(c->items, c->cap * sizeof *c->items);
    }
    rel *r = &c->items[c->n++];
    r->id = xstrdup(id);
    r->type = xstrdup(type);
    r->target = xstrdup(target);
    r->external = mode && strcmp(mode, "External") == 0;
}

static void rels_free(rels_ctx *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->items[i].id);
        free(c->items[i].type);
        free(c->items[i].target);
    }
    free(c->items);
    c->items = NULL;
    c->n = c->cap = 0;
}

/* Reads the relationships part called part into c. Returns 1 when the part does not exist, 0 when read, -1
 * after an error. */
static int read_rels(reader *rd, const char *part, rels_ctx *c)
{
    memset(c, 0, sizeof *c);
    zip_int64_t idx = find_part(rd, part);
    if (idx < 0)
        return 1;
    c->x.rd = rd;
    c->x.part = part;
    snprintf(c->x.what, sizeof c->x.what, "relations (%s)", part);
    return parse_part(&c->x, idx, rels_start, NULL, NULL);
}

/* True when a relationship type URI names kind ("officeDocument", "worksheet"...), in the transitional and the
 * strict namespaces alike: the last path segment is the kind. */
static bool rel_is(const rel *r, const char *kind)
{
    const char *slash = strrchr(r->type, '/');
    return slash && strcmp(slash + 1, kind) == 0;
}

static const rel *rel_of_type(const rels_ctx *c, const char *kind)
{
    for (size_t i = 0; i < c->n; i++)
        if (rel_is(&c->items[i], kind) && !c->items[i].external)
            return &c->items[i];
    return NULL;
}

/* The part a relationship target names: relative to dir (the folder of the part holding the relationship, ""
 * or ending in '/'), or absolute from the package root when it starts with '/'. "." and ".." segments are
 * resolved; one that climbs above the root gives NULL. The result is malloc'd. */
static char *resolve_target(const char *dir, const char *target)
{
    size_t cap = strlen(dir) + strlen(target) + 1;
    char *joined = xmalloc(cap);
    snprintf(joined, cap, "%s%s", target[0] == '/' ? "" : dir, target);
    char *out = xmalloc(cap);
    size_t len = 0;
    const char *p = joined;
    while (*p) {
        size_t n = strcspn(p, "/");
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            if (len == 0) {
                free(out);
                out = NULL;
                break;
            }
            while (len > 0 && out[len - 1] != '/')
                len--;
            if (len > 0)
                len--; /* the slash before the dropped segment */
        } else if (n > 0 && !(n == 1 && p[0] == '.')) {
            if (len > 0)
                out[len++] = '/';
            memcpy(out + len, p, n);
            len += n;
        }
        p += n;
        if (*p == '/')
            p++;
    }
    if (out)
        out[len] = '\0';
    free(joined);
    return out;
}

/* The folder of a part ("xl/" for "xl/workbook.xml"), malloc'd. */
static char *part_dir(const char *part)
{
    const char *slash = strrchr(part, '/');
    return xstrndup(part, slash ? (size_t)(slash - part) + 1 : 0);
}

/* The relationships part of a part: "xl/_rels/workbook.xml.rels" for "xl/workbook.xml", malloc'd. */
static char *rels_part_of(const char *part)
{
    const char *slash = strrchr(part, '/');
    size_t dir = slash ? (size_t)(slash - part) + 1 : 0;
    size_t cap = strlen(part) + sizeof "_rels/.rels";
    char *out = xmalloc(cap);
    snprintf(out, cap, "%.*s_rels/%s.rels", (int)dir, part, part + dir);
    return out;
}

/* ---------------------------------------------------------------------------------------------------------
 * Rich text: the <t> runs of a shared string <si> or an inline string <is>, without phonetic guides (<rPh>).
 */

typedef struct rich {
    int t, rph;   /* depth inside <t> and <rPh> */
    sbuf text;
    bool too_long;
} rich;

static void rich_start(rich *r, const char *local)
{
    if (strcmp(local, "t") == 0)
        r->t++;
    else if (strcmp(local, "rPh") == 0)
        r->rph++;
}

static void rich_end(rich *r, const char *local)
{
    if (strcmp(local, "t") == 0 && r->t > 0)
        r->t--;
    else if (strcmp(local, "rPh") == 0 && r->rph > 0)
        r->rph--;
}

static void rich_text(rich *r, const char *s, int len)
{
    if (r->t > 0 && r->rph == 0 && !r->too_long && !tbuf_add(&r->text, s, (size_t)len, RAW_TEXT_MAX))
        r->too_long = true;
}

static void rich_reset(rich *r)
{
    r->t = r->rph = 0;
    r->too_long = false;
    sbuf_reset(&r->text);
}

/* Decodes the escapes of the text read; false when it passes XLSX_MAX_CELL_BYTES. */
static bool rich_finish(rich *r)
{
    if (r->too_long)
        return false;
    if (r->text.data == NULL)
        tbuf_add(&r->text, "", 0, 1);
    r->text.len = decode_escapes(r->text.data, r->text.len);
    return r->text.len <= XLSX_MAX_CELL_BYTES;
}

/* ---------------------------------------------------------------------------------------------------------
 * Shared strings (xl/sharedStrings.xml).
 */

typedef struct sst_ctx {
    xml_ctx x;
    int si;   /* depth inside <si> */
    rich r;
} sst_ctx;

static void XMLCALL sst_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    (void)atts;
    sst_ctx *c = ud;
    const char *local = local_name(name);
    if (strcmp(local, "si") == 0) {
        if (c->si++ == 0) {
            rich_reset(&c->r);
            c->x.item = c->x.rd->nstrings + 1;
        }
    } else if (c->si > 0) {
        rich_start(&c->r, local);
    }
}

static void XMLCALL sst_end(void *ud, const XML_Char *name)
{
    sst_ctx *c = ud;
    reader *rd = c->x.rd;
    const char *local = local_name(name);
    if (strcmp(local, "si") != 0) {
        if (c->si > 0)
            rich_end(&c->r, local);
        return;
    }
    if (c->si == 0 || --c->si > 0)
        return;
    char n1[32];
    if (!rich_finish(&c->r)) {
        xml_fail(&c->x, NULL, "texte partagé n° %zu : plus de %s octets (la limite d'Excel pour une cellule)",
                 c->x.item, fmt_count(n1, XLSX_MAX_CELL_BYTES));
        return;
    }
    if (rd->nstrings == rd->strings_cap) {
        rd->strings_cap = rd->strings_cap ? rd->strings_cap * 2 : 256;
        rd->strings = xrealloc(rd->strings, rd->strings_cap * sizeof *rd->strings);
    }
    rd->strings[rd->nstrings++] = store_copy(rd->book->store, c->r.text.data, c->r.text.len);
    c->x.item = 0;
}

static void XMLCALL sst_text(void *ud, const XML_Char *s, int len)
{
    sst_ctx *c = ud;
    if (c->si > 0)
        rich_text(&c->r, s, len);
}

static int read_shared_strings(reader *rd, const char *part)
{
    zip_int64_t idx = find_part(rd, part);
    if (idx < 0) {
        rd_error(rd, part, "la partie des textes partagés est absente de l'archive");
        return -1;
    }
    sst_ctx c;
    memset(&c, 0, sizeof c);
    c.x.rd = rd;
    c.x.part = part;
    snprintf(c.x.what, sizeof c.x.what, "texte partagé");
    int rc = parse_part(&c.x, idx, sst_start, sst_end, sst_text);
    free(c.r.text.data);
    return rc;
}

/* ---------------------------------------------------------------------------------------------------------
 * Worksheets.
 */

typedef struct sheet_ctx {
    xml_ctx x;
    xlsx_sheet *sheet;
    size_t cap;          /* of sheet->cells */
    int data;            /* depth inside <sheetData> */
    bool in_row;
    unsigned row;        /* the current row, or the last one */
    unsigned col;        /* the column of the last cell of the current row */
    /* the cell being read */
    bool in_cell, formula, has_v, has_is;
    unsigned c_row, c_col;
    char type[16];
    int v, f, is;        /* depth inside <v>, <f>, <is> */
    sbuf vtext;
    bool v_too_long;
    rich r;
} sheet_ctx;

/* Parses a reference such as "F12" (column letters, then a row without leading zero) within Excel's bounds.
 * Returns true and sets *row and *col. */
static bool parse_ref(const char *s, unsigned *row, unsigned *col)
{
    unsigned c = 0, r = 0;
    size_t i = 0;
    for (; (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z'); i++) {
        if (i == 3)
            return false;
        c = c * 26 + (unsigned)((s[i] | 0x20) - 'a' + 1);
    }
    if (i == 0 || s[i] < '1' || s[i] > '9')
        return false;
    for (size_t k = 0; s[i] >= '0' && s[i] <= '9'; i++, k++) {
        if (k == 7)
            return false;
        r = r * 10 + (unsigned)(s[i] - '0');
    }
    if (s[i] != '\0' || c > EXCEL_MAX_COL || r > EXCEL_MAX_ROW)
        return false;
    *row = r;
    *col = c;
    return true;
}

/* A strict unsigned decimal (digits only, no sign or space) up to max. */
static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    unsigned long v = 0;
    if (*s == '\0')
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        unsigned d = (unsigned)(*s - '0');
        if (v > (max - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* "survey!F12" into buf. */
static const char *cell_path(char *buf, size_t size, const xlsx_sheet *sh, unsigned row, unsigned col)
{
    char ref[16];
    xlsx_cellref(ref, sizeof ref, row, col);
    snprintf(buf, size, "%.*s!%s", QUOTE_LEN(sh->name), sh->name, ref);
    return buf;
}

static void XMLCALL sheet_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    sheet_ctx *c = ud;
    const char *local = local_name(name);
    const char *sname = c->sheet->name;
    char n1[32], n2[32];
    if (strcmp(local, "sheetData") == 0) {
        c->data++;
        return;
    }
    if (c->data == 0)
        return;
    if (c->in_cell) {
        if (strcmp(local, "v") == 0)
            c->v++, c->has_v = true;
        else if (strcmp(local, "f") == 0)
            c->f++, c->formula = true;
        else if (strcmp(local, "is") == 0)
            c->is++, c->has_is = true;
        else if (c->is > 0)
            rich_start(&c->r, local);
        return;
    }
    if (strcmp(local, "row") == 0 && !c->in_row) {
        const char *r = attr(atts, "r");
        unsigned long v;
        if (r == NULL) {
            v = (unsigned long)c->row + 1;
        } else if (!parse_uint(r, EXCEL_MAX_ROW, &v) || v == 0) {
            xml_fail(&c->x, sname, "%.*s : numéro de ligne « %.*s » invalide (XML ligne %lu)", QUOTE_LEN(sname),
                     sname, QUOTE_LEN(r), r, (unsigned long)XML_GetCurrentLineNumber(c->x.parser));
            return;
        }
        if (v > EXCEL_MAX_ROW) {
            xml_fail(&c->x, sname, "%.*s : plus de %s lignes", QUOTE_LEN(sname), sname,
                     fmt_count(n1, EXCEL_MAX_ROW));
            return;
        }
        c->in_row = true;
        c->row = (unsigned)v;
        c->col = 0;
        return;
    }
    if (strcmp(local, "c") == 0 && c->in_row) {
        const char *r = attr(atts, "r"), *t = attr(atts, "t");
        if (r == NULL) {
            if (c->col >= EXCEL_MAX_COL) {
                xml_fail(&c->x, sname, "%.*s : ligne %s : plus de %s colonnes", QUOTE_LEN(sname), sname,
                         fmt_count(n1, c->row), fmt_count(n2, EXCEL_MAX_COL));
                return;
            }
            c->c_row = c->row;
            c->c_col = c->col + 1;
        } else if (!parse_ref(r, &c->c_row, &c->c_col)) {
            xml_fail(&c->x, sname, "%.*s : référence de cellule « %.*s » invalide (XML ligne %lu)",
                     QUOTE_LEN(sname), sname, QUOTE_LEN(r), r,
                     (unsigned long)XML_GetCurrentLineNumber(c->x.parser));
            return;
        }
        c->col = c->c_col;
        c->in_cell = true;
        c->formula = c->has_v = c->has_is = false;
        c->v = c->f = c->is = 0;
        t = t ? t : "n";
        /* Cut at a character boundary: the type is quoted in the error message, which must stay UTF-8. */
        snprintf(c->type, sizeof c->type, "%.*s", (int)util_utf8_prefix(t, strlen(t), sizeof c->type - 1), t);
        if (strlen(t) >= sizeof c->type)
            c->type[0] = '?'; /* longer than any known type: reported as unknown at the end of the cell */
        sbuf_reset(&c->vtext);
        c->v_too_long = false;
        rich_reset(&c->r);
    }
}

/* Appends a cell to the sheet after the limits on rows, columns and cells. */
static void sheet_add(sheet_ctx *c, xlsx_kind kind, char *text)
{
    reader *rd = c->x.rd;
    xlsx_sheet *sh = c->sheet;
    char path[128], n1[32], n2[32], ref[16];
    if (c->c_row > XLSX_MAX_ROWS) {
        xml_fail(&c->x, cell_path(path, sizeof path, sh, c->c_row, c->c_col), "%.*s : plus de %s lignes (ligne %s)",
                 QUOTE_LEN(sh->name), sh->name, fmt_count(n1, XLSX_MAX_ROWS), fmt_count(n2, c->c_row));
        return;
    }
    if (c->c_col > XLSX_MAX_COLS) {
        xlsx_cellref(ref, sizeof ref, 1, c->c_col);
        ref[strcspn(ref, "0123456789")] = '\0';
        xml_fail(&c->x, cell_path(path, sizeof path, sh, c->c_row, c->c_col),
                 "%.*s : plus de %s colonnes (colonne %s)", QUOTE_LEN(sh->name), sh->name,
                 fmt_count(n1, XLSX_MAX_COLS), ref);
        return;
    }
    if (rd->ncells == XLSX_MAX_CELLS) {
        xml_fail(&c->x, cell_path(path, sizeof path, sh, c->c_row, c->c_col),
                 "le classeur a plus de %s cellules non vides", fmt_count(n1, XLSX_MAX_CELLS));
        return;
    }
    if (sh->ncells == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 256;
        sh->cells = xrealloc(sh->cells, c->cap * sizeof *sh->cells);
    }
    sh->cells[sh->ncells++] = (xlsx_cell){.row = c->c_row, .col = c->c_col, .kind = kind, .formula = c->formula,
                                          .text = text};
    rd->ncells++;
}

/* The end of a <c>: its value by type, then sheet_add unless it is empty. */
static void sheet_end_cell(sheet_ctx *c)
{
    reader *rd = c->x.rd;
    xlsx_sheet *sh = c->sheet;
    struct xlsx_store *st = rd->book->store;
    char path[128], n1[32], n2[32];
    const char *v = c->vtext.data ? c->vtext.data : "";
    cell_path(path, sizeof path, sh, c->c_row, c->c_col);
    if (c->v_too_long) {
        xml_fail(&c->x, path, "plus de %s octets de texte dans la cellule (la limite d'Excel)",
                 fmt_count(n1, XLSX_MAX_CELL_BYTES));
        return;
    }
    const char *t = c->type;
    xlsx_kind kind = XLSX_STRING;
    char *text = NULL;
    if (strcmp(t, "s") == 0) {
        unsigned long i;
        if (c->has_v && v[0] != '\0') {
            if (!parse_uint(v, SIZE_MAX, &i)) {
                xml_fail(&c->x, path, "numéro de texte partagé « %.*s » invalide", QUOTE_LEN(v), v);
                return;
            }
            if (i >= rd->nstrings) {
                xml_fail(&c->x, path, "renvoie au texte partagé n° %s, absent (le classeur en a %s)",
                         fmt_count(n1, i + 1), fmt_count(n2, rd->nstrings));
                return;
            }
            text = rd->strings[i];
        }
    } else if (strcmp(t, "inlineStr") == 0) {
        if (c->has_is) {
            if (!rich_finish(&c->r)) {
                xml_fail(&c->x, path, "plus de %s octets de texte dans la cellule (la limite d'Excel)",
                         fmt_count(n1, XLSX_MAX_CELL_BYTES));
                return;
            }
            text = store_copy(st, c->r.text.data, c->r.text.len);
        }
    } else if (strcmp(t, "str") == 0 || strcmp(t, "d") == 0) {
        if (c->has_v)
            text = store_copy(st, v, c->vtext.len);
    } else if (strcmp(t, "b") == 0) {
        kind = XLSX_BOOL;
        if (c->has_v) {
            if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0) {
                xml_fail(&c->x, path, "valeur booléenne « %.*s » invalide (0 ou 1 attendu)", QUOTE_LEN(v), v);
                return;
            }
            text = store_copy(st, v, 1);
        }
    } else if (strcmp(t, "e") == 0) {
        kind = XLSX_ERROR;
        if (c->has_v)
            text = store_copy(st, v, c->vtext.len);
    } else if (strcmp(t, "n") == 0) {
        kind = XLSX_NUMBER;
        double d;
        if (c->has_v && v[0] != '\0') {
            if (!util_parse_double(v, &d)) {
                xml_fail(&c->x, path, "nombre « %.*s » invalide", QUOTE_LEN(v), v);
                return;
            }
            text = store_copy(st, v, c->vtext.len);
        }
    } else {
        xml_fail(&c->x, path, "type de cellule « %.*s » inconnu", QUOTE_LEN(t), t);
        return;
    }
    if (text != NULL && text[0] == '\0')
        text = NULL;
    if (text == NULL && !c->formula)
        return; /* an empty cell, such as one that only carries a style */
    sheet_add(c, kind, text ? text : store_copy(st, "", 0));
}

static void XMLCALL sheet_end(void *ud, const XML_Char *name)
{
    sheet_ctx *c = ud;
    const char *local = local_name(name);
    if (c->data == 0)
        return;
    if (c->in_cell) {
        if (strcmp(local, "c") == 0 && c->v == 0 && c->f == 0 && c->is == 0) {
            c->in_cell = false;
            sheet_end_cell(c);
        } else if (strcmp(local, "v") == 0 && c->v > 0) {
            c->v--;
        } else if (strcmp(local, "f") == 0 && c->f > 0) {
            c->f--;
        } else if (strcmp(local, "is") == 0 && c->is > 0) {
            c->is--;
        } else if (c->is > 0) {
            rich_end(&c->r, local);
        }
        return;
    }
    if (strcmp(local, "row") == 0)
        c->in_row = false;
    else if (strcmp(local, "sheetData") == 0)
        c->data--;
}

static void XMLCALL sheet_text(void *ud, const XML_Char *s, int len)
{
    sheet_ctx *c = ud;
    if (!c->in_cell)
        return;
    if (c->v > 0 && c->f == 0) {
        if (!c->v_too_long && !tbuf_add(&c->vtext, s, (size_t)len, XLSX_MAX_CELL_BYTES))
            c->v_too_long = true;
    } else if (c->is > 0) {
        rich_text(&c->r, s, len);
    }
}

static int cmp_cells(const void *a, const void *b)
{
    const xlsx_cell *x = a, *y = b;
    if (x->row != y->row)
        return x->row < y->row ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return 0;
}

/* Reads the worksheet part into sh (whose name is set): cells sorted once, duplicates refused. */
static int read_sheet(reader *rd, xlsx_sheet *sh, const char *part, zip_int64_t idx)
{
    sheet_ctx c;
    memset(&c, 0, sizeof c);
    c.x.rd = rd;
    c.x.part = part;
    c.sheet = sh;
    snprintf(c.x.what, sizeof c.x.what, "feuille « %.*s »", QUOTE_LEN(sh->name), sh->name);
    int rc = parse_part(&c.x, idx, sheet_start, sheet_end, sheet_text);
    free(c.vtext.data);
    free(c.r.text.data);
    if (rc < 0)
        return -1;
    if (sh->ncells > 1) /* qsort wants a non-NULL array even when there is nothing to sort */
        qsort(sh->cells, sh->ncells, sizeof *sh->cells, cmp_cells);
    for (size_t i = 0; i < sh->ncells; i++) {
        const xlsx_cell *cell = &sh->cells[i];
        if (i > 0 && cmp_cells(cell - 1, cell) == 0) {
            char path[128];
            rd_error(rd, cell_path(path, sizeof path, sh, cell->row, cell->col),
                     "la cellule est écrite deux fois dans la feuille");
            return -1;
        }
        if (cell->row > sh->nrows)
            sh->nrows = cell->row;
        if (cell->col > sh->ncols)
            sh->ncols = cell->col;
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------------------
 * The workbook part: the list of sheets.
 */

typedef struct wb_sheet {
    char *name, *rid;
} wb_sheet;

typedef struct wb_ctx {
    xml_ctx x;
    int sheets;      /* depth inside <sheets> */
    wb_sheet *items;
    size_t n;
} wb_ctx;

static void XMLCALL wb_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    wb_ctx *c = ud;
    if (is_elem(name, "sheets")) {
        c->sheets++;
        return;
    }
    if (c->sheets == 0 || !is_elem(name, "sheet"))
        return;
    const char *sname = attr(atts, "name"), *rid = attr_ns(atts, "id");
    if (sname == NULL || sname[0] == '\0' || rid == NULL) {
        xml_fail(&c->x, NULL, "la feuille n° %zu n'a pas de nom ou de relation (r:id)", c->n + 1);
        return;
    }
    if (c->n == XLSX_MAX_SHEETS) {
        xml_fail(&c->x, NULL, "le classeur a plus de %d feuilles", XLSX_MAX_SHEETS);
        return;
    }
    for (size_t i = 0; i < c->n; i++) {
        if (strcasecmp(c->items[i].name, sname) == 0) {
            xml_fail(&c->x, NULL, "deux feuilles s'appellent « %.*s »", QUOTE_LEN(sname), sname);
            return;
        }
    }
    if (c->items == NULL)
        c->items = xcalloc(XLSX_MAX_SHEETS, sizeof *c->items);
    c->items[c->n].name = xstrdup(sname);
    c->items[c->n].rid = xstrdup(rid);
    c->n++;
}

static void XMLCALL wb_end(void *ud, const XML_Char *name)
{
    wb_ctx *c = ud;
    if (is_elem(name, "sheets") && c->sheets > 0)
        c->sheets--;
}

/* The workbook's part name (from _rels/.rels, or the usual one), malloc'd; NULL after an error. */
static char *find_workbook(reader *rd)
{
    rels_ctx root;
    char *part = NULL;
    int rc = read_rels(rd, "_rels/.rels", &root);
    if (rc < 0)
        goto done;
    const rel *r = rc == 0 ? rel_of_type(&root, "officeDocument") : NULL;
    part = resolve_target("", r ? r->target : "xl/workbook.xml");
    if (part == NULL || find_part(rd, part) < 0) {
        free(part);
        part = NULL;
        if (find_part(rd, "xl/workbook.bin") >= 0 ||
            (r != NULL && strlen(r->target) > 4 && strcmp(r->target + strlen(r->target) - 4, ".bin") == 0))
            rd_error(rd, "xl/workbook.bin", "ce fichier est un classeur binaire (.xlsb) : enregistrez-le au format "
                     "« Classeur Excel (.xlsx) »");
        else
            rd_error(rd, r ? r->target : "xl/workbook.xml",
                     "ce fichier n'est pas un classeur .xlsx : la partie du classeur est absente de l'archive");
    }
done:
    rels_free(&root);
    return part;
}

/* True when the archive is an OpenDocument spreadsheet (its "mimetype" entry says so). */
static bool is_ods(reader *rd)
{
    static const char ods[] = "application/vnd.oasis.opendocument.spreadsheet";
    zip_int64_t idx = zip_name_locate(rd->zip, "mimetype", 0);
    if (idx < 0)
        return false;
    zip_file_t *f = zip_fopen_index(rd->zip, (zip_uint64_t)idx, 0);
    if (f == NULL)
        return false;
    char buf[sizeof ods] = "";
    zip_int64_t n = zip_fread(f, buf, sizeof ods - 1);
    zip_fclose(f);
    return n == (zip_int64_t)(sizeof ods - 1) && memcmp(buf, ods, sizeof ods - 1) == 0;
}

/* Reads the whole book from the open archive. Returns 0 or -1 after an error. */
static int read_book(reader *rd)
{
    char n1[32];
    char *wb_part = NULL, *dir = NULL, *wb_rels = NULL, *sst_part = NULL;
    rels_ctx rels;
    wb_ctx wb;
    memset(&rels, 0, sizeof rels);
    memset(&wb, 0, sizeof wb);
    int rc = -1;

    zip_int64_t entries = zip_get_num_entries(rd->zip, 0);
    if (entries > XLSX_MAX_ENTRIES) {
        rd_error(rd, "(archive)", "l'archive contient plus de %s fichiers : ce n'est pas un classeur ordinaire",
                 fmt_count(n1, XLSX_MAX_ENTRIES));
        goto done;
    }
    if (is_ods(rd)) {
        rd_error(rd, "mimetype", "ce fichier est un classeur OpenDocument (.ods) : dans LibreOffice, enregistrez-le "
                 "au format « Excel 2007-365 (.xlsx) »");
        goto done;
    }
    if (entries <= 0) {
        rd_error(rd, "(archive)", "archive vide : ce fichier n'est pas un classeur .xlsx");
        goto done;
    }
    if ((wb_part = find_workbook(rd)) == NULL)
        goto done;
    dir = part_dir(wb_part);
    wb_rels = rels_part_of(wb_part);

    wb.x.rd = rd;
    wb.x.part = wb_part;
    snprintf(wb.x.what, sizeof wb.x.what, "liste des feuilles");
    if (parse_part(&wb.x, find_part(rd, wb_part), wb_start, wb_end, NULL) < 0)
        goto done;
    if (wb.n == 0) {
        rd_error(rd, wb_part, "le classeur ne contient aucune feuille");
        goto done;
    }
    int rrc = read_rels(rd, wb_rels, &rels);
    if (rrc < 0)
        goto done;
    if (rrc > 0) {
        rd_error(rd, wb_rels, "partie absente de l'archive : les feuilles ne peuvent pas être trouvées");
        goto done;
    }

    /* The shared strings first: cells point to them. A workbook without any has none of type "s". */
    const rel *sst = rel_of_type(&rels, "sharedStrings");
    if (sst != NULL) {
        sst_part = resolve_target(dir, sst->target);
        if (sst_part == NULL) {
            rd_error(rd, wb_rels, "chemin « %.*s » des textes partagés invalide", QUOTE_LEN(sst->target),
                     sst->target);
            goto done;
        }
    } else if (find_part(rd, "xl/sharedStrings.xml") >= 0) {
        sst_part = xstrdup("xl/sharedStrings.xml");
    }
    if (sst_part != NULL && read_shared_strings(rd, sst_part) < 0)
        goto done;

    xlsx_book *book = rd->book;
    book->sheets = xcalloc(wb.n, sizeof *book->sheets);
    book->nsheets = wb.n;
    for (size_t i = 0; i < wb.n; i++)
        book->sheets[i].name = store_copy(book->store, wb.items[i].name, strlen(wb.items[i].name));
    for (size_t i = 0; i < wb.n; i++) {
        xlsx_sheet *sh = &book->sheets[i];
        const rel *r = NULL;
        for (size_t k = 0; k < rels.n && r == NULL; k++)
            if (strcmp(rels.items[k].id, wb.items[i].rid) == 0)
                r = &rels.items[k];
        if (r == NULL || r->external) {
            rd_error(rd, wb_rels, "la feuille « %.*s » renvoie à la relation « %.*s », absente",
                     QUOTE_LEN(sh->name), sh->name, QUOTE_LEN(wb.items[i].rid), wb.items[i].rid);
            goto done;
        }
        if (!rel_is(r, "worksheet"))
            continue; /* a chart sheet or a dialog sheet: no cells, kept empty so the list stays whole */
        char *part = resolve_target(dir, r->target);
        zip_int64_t idx = part ? find_part(rd, part) : -1;
        if (idx < 0) {
            rd_error(rd, part ? part : wb_rels, "la feuille « %.*s » renvoie à « %.*s », absent de l'archive",
                     QUOTE_LEN(sh->name), sh->name, QUOTE_LEN(r->target), r->target);
            free(part);
            goto done;
        }
        int src = read_sheet(rd, sh, part, idx);
        free(part);
        if (src < 0)
            goto done;
    }
    rc = 0;
done:
    for (size_t i = 0; i < wb.n; i++) {
        free(wb.items[i].name);
        free(wb.items[i].rid);
    }
    free(wb.items);
    rels_free(&rels);
    free(wb_part);
    free(dir);
    free(wb_rels);
    free(sst_part);
    return rc;
}

/* ---------------------------------------------------------------------------------------------------------
 * Opening.
 */

/* The OLE2 compound file signature: an .xls workbook, or an .xlsx protected by a password (encrypted inside). */
static bool is_ole(const unsigned char *head, size_t len)
{
    static const unsigned char sig[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
    return len >= 8 && memcmp(head, sig, 8) == 0;
}

/* Opens the archive from src (taken over) and reads it. head holds the file's first bytes (len of them). */
static xlsx_book *open_source(zip_source_t *src, const unsigned char *head, size_t len, const char *name,
                              diag_list *diags)
{
    reader rd = {.diags = diags, .name = name};
    if (is_ole(head, len)) {
        zip_source_free(src);
        rd_error(&rd, "(fichier)", "ce fichier est un ancien classeur Excel (.xls) ou un classeur protégé par mot "
                 "de passe : enregistrez-le au format « Classeur Excel (.xlsx) », sans mot de passe");
        return NULL;
    }
    zip_error_t ze;
    zip_error_init(&ze);
    rd.zip = zip_open_from_source(src, ZIP_RDONLY, &ze);
    if (rd.zip == NULL) {
        zip_source_free(src);
        int code = zip_error_code_zip(&ze);
        if (code == ZIP_ER_OPEN || code == ZIP_ER_READ || code == ZIP_ER_SEEK || code == ZIP_ER_MEMORY)
            rd_error(&rd, "(fichier)", "impossible de lire le fichier : %s", zip_error_strerror(&ze));
        else
            rd_error(&rd, "(fichier)", "ce fichier n'est pas un classeur .xlsx (ce n'est pas une archive zip "
                     "lisible : %s)", zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return NULL;
    }
    zip_error_fini(&ze);
    rd.book = xcalloc(1, sizeof *rd.book);
    rd.book->store = xcalloc(1, sizeof *rd.book->store);
    int rc = read_book(&rd);
    zip_discard(rd.zip);
    free(rd.strings);
    if (rc < 0) {
        xlsx_free(rd.book);
        return NULL;
    }
    return rd.book;
}

xlsx_book *xlsx_open(const char *path, diag_list *diags)
{
    reader rd = {.diags = diags, .name = path};
    unsigned char head[8];
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        rd_error(&rd, "(fichier)", "impossible d'ouvrir le fichier : %s", strerror(errno));
        return NULL;
    }
    size_t len = fread(head, 1, sizeof head, f);
    fclose(f);
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_file_create(path, 0, -1, &ze);
    if (src == NULL) {
        rd_error(&rd, "(fichier)", "impossible d'ouvrir le fichier : %s", zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return NULL;
    }
    zip_error_fini(&ze);
    return open_source(src, head, len, path, diags);
}

xlsx_book *xlsx_open_mem(const void *data, size_t len, const char *name, diag_list *diags)
{
    reader rd = {.diags = diags, .name = name};
    zip_error_t ze;
    zip_error_init(&ze);
    /* libzip wants a non-NULL buffer even when it is empty. */
    static const char empty[1];
    zip_source_t *src = zip_source_buffer_create(len ? data : empty, len, 0, &ze);
    if (src == NULL) {
        rd_error(&rd, "(fichier)", "impossible de lire le classeur : %s", zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return NULL;
    }
    zip_error_fini(&ze);
    return open_source(src, data, len, name, diags);
}

void xlsx_free(xlsx_book *book)
{
    if (book == NULL)
        return;
    for (size_t i = 0; i < book->nsheets; i++)
        free(book->sheets[i].cells);
    free(book->sheets);
    store_free(book->store);
    free(book);
}

/* ---------------------------------------------------------------------------------------------------------
 * Lookups.
 */

const xlsx_sheet *xlsx_sheet_by_name(const xlsx_book *book, const char *name)
{
    for (size_t i = 0; book && i < book->nsheets; i++)
        if (strcasecmp(book->sheets[i].name, name) == 0)
            return &book->sheets[i];
    return NULL;
}

const xlsx_cell *xlsx_cell_at(const xlsx_sheet *sheet, unsigned row, unsigned col)
{
    xlsx_cell key = {.row = row, .col = col};
    if (sheet == NULL || sheet->ncells == 0)
        return NULL;
    return bsearch(&key, sheet->cells, sheet->ncells, sizeof *sheet->cells, cmp_cells);
}

void xlsx_cellref(char *buf, size_t size, unsigned row, unsigned col)
{
    char letters[8];
    size_t n = 0;
    if (col == 0) {
        snprintf(buf, size, "?%u", row);
        return;
    }
    for (unsigned c = col; c > 0 && n < sizeof letters; c = (c - 1) / 26)
        letters[n++] = (char)('A' + (c - 1) % 26);
    char out[16];
    for (size_t i = 0; i < n; i++)
        out[i] = letters[n - 1 - i];
    out[n] = '\0';
    snprintf(buf, size, "%s%u", out, row);
}
