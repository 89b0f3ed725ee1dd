/* expr.c -- compiles and evaluates the expression language of forms (see expr.h and forms/README.md,
 * "Expressions"); it exports the expr_ functions of expr.h.
 *
 * Compilation is two passes. A recursive-descent parser, pulling one token at a time from the lexer, builds a
 * tree of tagged nodes and reports syntax errors and the limits of expr.h; then a checker walks the finished
 * tree, resolves every reference through the caller's scope and gives each node its static type (reference,
 * type and choice errors). So a syntax error anywhere wins over any other error, and errors of one pass come
 * in source order. Evaluation walks the same tree against the caller's answers and cannot fail.
 */
#include "expr.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define MSG_SIZE sizeof(((expr_error *)0)->message)

/* ---------------------------------------------------------------------------------------------------------
 * The tree.
 */

typedef enum node_kind {
    N_NUM, /* number literal */
    N_STR, /* string literal */
    N_REF, /* ${qid} or ${qid.row} */
    N_DOT, /* '.', the answer being checked */
    N_NEG, /* unary minus: kids[0] */
    N_BIN, /* binary operator: kids[0] op kids[1] */
    N_CALL /* function call: fn(kids...) */
} node_kind;

typedef enum binop {
    OP_OR,
    OP_AND,
    OP_EQ,
    OP_NE,
    OP_LT,
    OP_LE,
    OP_GT,
    OP_GE,
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_DIV,
    OP_MOD
} binop;

/* Indexed by binop: how each operator is written, and its precedence level. */
static const char *const binop_text[] = {"or", "and", "=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "div", "mod"};

/* Levels, lowest first: or, and, equality, order, additive, multiplicative; then unary minus. */
#define N_LEVELS 6
static const int binop_level[] = {0, 1, 2, 2, 3, 3, 3, 3, 4, 4, 5, 5, 5};

typedef enum func { F_NOT, F_SELECTED, F_COUNT_SELECTED, F_STRING_LENGTH, F_TODAY, F_TRUE, F_FALSE, F_IF } func;

/* The words of the language: the operators spelt as words, then the functions with their arity. */
static const struct word {
    const char *name;
    bool is_func;
    int code;     /* a binop, or a func */
    size_t arity; /* functions only */
} words[] = {
    {"and", false, OP_AND, 0},
    {"or", false, OP_OR, 0},
    {"div", false, OP_DIV, 0},
    {"mod", false, OP_MOD, 0},
    {"not", true, F_NOT, 1},
    {"selected", true, F_SELECTED, 2},
    {"count-selected", true, F_COUNT_SELECTED, 1},
    {"string-length", true, F_STRING_LENGTH, 1},
    {"today", true, F_TODAY, 0},
    {"true", true, F_TRUE, 0},
    {"false", true, F_FALSE, 0},
    {"if", true, F_IF, 3},
};
#define N_WORDS (sizeof words / sizeof words[0])

/* One node. Children are owned by their parent; every node of a compiled expression is owned by it. */
typedef struct node node;
struct node {
    node_kind kind;
    expr_type type; /* static type, set by the checker */
    size_t pos;     /* byte offset of the token that made the node (literal, reference, operator, function) */
    double num;     /* N_NUM */
    char *str;      /* N_STR: the literal's text; N_REF: the question id */
    char *row;      /* N_REF: the grid row, or NULL */
    expr_ref ref;   /* N_REF, N_DOT: what the scope says of the reference */
    binop op;       /* N_BIN */
    func fn;        /* N_CALL */
    node **kids;    /* N_NEG: 1, N_BIN: 2, N_CALL: any number */
    size_t nkids;
};

struct expr {
    node *root;
};

/* Frees n and everything below it; NULL does nothing. */
static void node_free(node *n)
{
    if (n == NULL)
        return;
    for (size_t i = 0; i < n->nkids; i++)
        node_free(n->kids[i]);
    free(n->kids);
    free(n->str);
    free(n->row);
    free(n);
}

/* Marks err as a failure of kind at pos and returns its message buffer for the caller to fill with snprintf.
 * A variadic wrapper would need a compiler-specific format attribute to pass -Wformat=2 under clang. */
static char *fail_at(expr_error *err, expr_errkind kind, size_t pos)
{
    err->kind = kind;
    err->pos = pos;
    err->message[0] = '\0';
    return err->message;
}

/* Reports that memory ran out. expr.h has no kind for it; compilation fails as if the source were wrong, which
 * at least stops the form from loading with a message that says why. */
static void fail_oom(expr_error *err, size_t pos)
{
    snprintf(fail_at(err, EXPR_ERR_SYNTAX, pos), MSG_SIZE, "mémoire insuffisante pour compiler l'expression");
}

/* Returns a new zeroed node, or NULL after reporting into err. */
static node *node_new(expr_error *err, node_kind kind, size_t pos)
{
    node *n = calloc(1, sizeof *n);
    if (n == NULL) {
        fail_oom(err, pos);
        return NULL;
    }
    n->kind = kind;
    n->pos = pos;
    return n;
}

/* Appends kid to parent's children. Always takes ownership of kid: on failure kid is freed, err is filled and
 * -1 is returned, so that callers have a single thing left to free (the parent). */
static int adopt(expr_error *err, node *parent, node *kid)
{
    node **kids = realloc(parent->kids, (parent->nkids + 1) * sizeof *kids);
    if (kids == NULL) {
        fail_oom(err, kid->pos);
        node_free(kid);
        return -1;
    }
    kids[parent->nkids++] = kid;
    parent->kids = kids;
    return 0;
}

/* Returns a NUL-terminated heap copy of the n bytes at s, or NULL when memory runs out. */
static char *copy_bytes(const char *s, size_t n)
{
    char *c = malloc(n + 1);
    if (c == NULL)
        return NULL;
    memcpy(c, s, n);
    c[n] = '\0';
    return c;
}

/* ---------------------------------------------------------------------------------------------------------
 * Characters and dates. ASCII classes are spelt out rather than taken from <ctype.h>, whose answers depend on
 * the locale and which is undefined for negative chars.
 */

/* Whether c is an ASCII digit. */
static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Whether c is an ASCII letter. */
static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Whether c may continue a question id or a word: letter, digit or '_'. */
static bool is_word_char(char c)
{
    return is_alpha(c) || is_digit(c) || c == '_';
}

/* Whether c may start a row code (lowercase slug). */
static bool is_slug_start(char c)
{
    return (c >= 'a' && c <= 'z') || is_digit(c);
}

/* Whether c may continue a row code. */
static bool is_slug_char(char c)
{
    return is_slug_start(c) || c == '_' || c == '+' || c == '-';
}

/* Whether c is whitespace between tokens. */
static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Whether s is a calendar date written YYYY-MM-DD (Gregorian leap years). */
static bool valid_date(const char *s)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (int i = 0; i < 10; i++) {
        bool dash = i == 4 || i == 7;
        if (dash ? s[i] != '-' : !is_digit(s[i]))
            return false;
    }
    if (s[10] != '\0')
        return false;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    if (m < 1 || m > 12 || d < 1)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= days[m - 1] + (m == 2 && leap ? 1 : 0);
}

/* Returns the number of characters (code points) of the UTF-8 string s: every byte that does not continue a
 * sequence starts a character, which also gives a definite answer for malformed input. */
static size_t utf8_length(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xC0) != 0x80)
            n++;
    return n;
}

/* ---------------------------------------------------------------------------------------------------------
 * The lexer.
 */

typedef enum tok_kind {
    T_END,
    T_NUM,
    T_STR,
    T_REF,
    T_DOT,
    T_LPAREN,
    T_RPAREN,
    T_COMMA,
    T_OP,  /* a binary operator, including '-' (also unary) and the words and, or, div, mod */
    T_FUNC /* a function name */
} tok_kind;

typedef struct token {
    tok_kind kind;
    size_t pos, len;       /* the token's bytes in the source */
    double num;            /* T_NUM */
    size_t a, alen;        /* T_STR: the text between the quotes; T_REF: the question id */
    size_t b, blen;        /* T_REF: the row (blen == 0 without one) */
    binop op;              /* T_OP */
    const struct word *fn; /* T_FUNC */
} token;

typedef struct parser {
    const char *src;
    size_t len;
    size_t at; /* where the lexer resumes */
    token tok; /* the current token */
    int depth; /* open parentheses and unary minuses around the current point */
    expr_error *err;
} parser;

/* Writes into buf (size bytes) a short quotation of the current token for messages, between « » since the
 * token may itself be a quoted string. */
static void tok_quote(const parser *p, char *buf, size_t size)
{
    if (p->tok.kind == T_END) {
        snprintf(buf, size, "la fin de l'expression");
        return;
    }
    int n = util_utf8_prefix(p->src + p->tok.pos, p->tok.len, 40);
    snprintf(buf, size, "« %.*s%s »", n, p->src + p->tok.pos, p->tok.len > 40 ? "…" : "");
}

/* Lexes a number at i: digits with an optional fraction, or '.' and digits. No exponent, no sign (a minus is
 * the unary operator). A number running into a letter, digit, '_' or '.' ("1.2.3", "12abc", "1e3") is an
 * error, so that such typos are not read as two tokens. */
static int lex_number(parser *p, size_t i)
{
    const char *s = p->src;
    size_t j = i;
    char *buf = NULL;
    int rc = -1;
    while (j < p->len && is_digit(s[j]))
        j++;
    if (j < p->len && s[j] == '.') {
        j++;
        if (j >= p->len || !is_digit(s[j])) {
            snprintf(fail_at(p->err, EXPR_ERR_SYNTAX, i), MSG_SIZE,
                     "nombre invalide : un chiffre est attendu après le point décimal");
            goto done;
        }
        while (j < p->len && is_digit(s[j]))
            j++;
    }
    if (j < p->len && (is_word_char(s[j]) || s[j] == '.')) {
        size_t k = j;
        while (k < p->len && (is_word_char(s[k]) || s[k] == '.'))
            k++;
        int n = k - i > 40 ? 40 : (int)(k - i);
        snprintf(fail_at(p->err, EXPR_ERR_SYNTAX, i), MSG_SIZE,
                 "nombre invalide : '%.*s' (les nombres s'écrivent 12 ou 3.5)", n, s + i);
        goto done;
    }
    /* strtod reads the decimal separator of the current locale, which the program may have changed; the
     * language always writes '.', so it is swapped for the locale's separator before conversion. */
    const char *dp = localeconv()->decimal_point;
    size_t dplen = dp && *dp ? strlen(dp) : 1;
    buf = malloc(j - i + dplen + 1);
    if (buf == NULL) {
        fail_oom(p->err, i);
        goto done;
    }
    size_t o = 0;
    for (size_t k = i; k < j; k++) {
        if (s[k] == '.') {
            memcpy(buf + o, dp && *dp ? dp : ".", dplen);
            o += dplen;
        } else {
            buf[o++] = s[k];
        }
    }
    buf[o] = '\0';
    char *end;
    double v = strtod(buf, &end);
    if (end != buf + o || !isfinite(v)) {
        snprintf(fail_at(p->err, EXPR_ERR_SYNTAX, i), MSG_SIZE, "nombre invalide ou trop grand");
        goto done;
    }
    p->tok.kind = T_NUM;
    p->tok.num = v;
    p->tok.len = j - i;
    p->at = j;
    rc = 0;
done:
    free(buf);
    return rc;
}

/* Lexes a string between quotes at i. There are no escapes: the other kind of quote is the way to write one. */
static int lex_string(parser *p, size_t i)
{
    const char *close = memchr(p->src + i + 1, p->src[i], p->len - i - 1);
    if (close == NULL) {
        snprintf(fail_at(p->err, EXPR_ERR_SYNTAX, i), MSG_SIZE, "chaîne non terminée : %c fermant attendu", p->src[i]);
        return -1;
    }
    size_t j = (size_t)(close - p->src);
    p->tok.kind = T_STR;
    p->tok.a = i + 1;
    p->tok.alen = j - i - 1;
    p->tok.len = j + 1 - i;
    p->at = j + 1;
    return 0;
}

/* Lexes ${ID} or ${ID.ROW} at i: ID is a letter then letters, digits or '_'; ROW a lowercase code. */
static int lex_ref(parser *p, size_t i)
{
    const char *s = p->src;
    if (i + 1 >= p->len || s[i + 1] != '{') {
        snprintf(fail_at(p->err, EXPR_ERR_SYNTAX, i), MSG_SIZE, "'{' attendue après '$' : une référence s'écrit ${ID}");
        return -1;
    }
    size_t j = i + 2;
    if (j >= p->len || !is_alpha(s[j])) {
        snprintf(fail_at(p->err, EXPR_ERR_SYNTAX, j), MSG_SIZE,
                 "identifiant de question attendu après '${' (une lettre puis lettres, chiffres ou _)");
        return -1;
    }
    while (j < p->len && is_word_char(s[j]))
        j++;
    p->tok.a = i + 2;
    p->tok.alen = j - (i + 2);
    if (j < p->len && s[j] == '.') {
        j++;
        if (j >= p->len || !is_slug_start(s[j])) {
            snprintf(fail_at(p->err, EXPR_ERR_SYNTAX, j), MSG_SIZE,
                     "code de ligne attendu après '.' (minuscules, chiffres, _, + et -)");
            return -1;
        }
        p->tok.b = j;
        while (j < p->len && is_slug_char(s[j]))
            j++;
        p->tok.blen = j - p->tok.b;
    }
    if (j >= p->len || s[j] != '}') {
        snprintf(fail_at(p->err, EXPR_ERR_SYNTAX, j), MSG_SIZE,
                 "'}' attendue pour fermer la référence ouverte en position %zu", i + 1);
        return -1;
    }
    p->tok.kind = T_REF;
    p->tok.len = j + 1 - i;
    p->at = j + 1;
    return 0;
}

/* Lexes a word at i: an operator (and, or, div, mod) or a function name. Words are letters, digits and '_';
 * the two names with a hyphen are matched whole, so that "mod-1" still reads as mod, minus, 1. */
static int lex_word(parser *p, size_t i)
{
    const char *s = p->src;
    size_t j = i;
    while (j < p->len && is_word_char(s[j]))
        j++;
    if (j < p->len && s[j] == '-') {
        for (size_t w = 0; w < N_WORDS; w++) {
            size_t n = strlen(words[w].name);
            if (strchr(words[w].name, '-') && n <= p->len - i && memcmp(s + i, words[w].name, n) == 0 &&
                (i + n == p->len || !is_word_char(s[i + n]))) {
                j = i + n;
                break;
            }
        }
    }
    for (size_t w = 0; w < N_WORDS; w++) {
        if (strlen(words[w].name) == j - i && memcmp(s + i, words[w].name, j - i) == 0) {
            p->tok.kind = words[w].is_func ? T_FUNC : T_OP;
            p->tok.op = (binop)words[w].code;
            p->tok.fn = &words[w];
            p->tok.len = j - i;
            p->at = j;
            return 0;
        }
    }
    int n = j - i > 40 ? 40 : (int)(j - i);
    size_t k = j;
    while (k < p->len && is_space(s[k]))
        k++;
    if (k < p->len && s[k] == '(') {
        snprintf(fail_at(p->err, EXPR_ERR_SYNTAX, i), MSG_SIZE,
                 "fonction inconnue « %.*s » (not, selected, count-selected, string-length, today, true, false, if)", n,
                 s + i);
        return -1;
    }
    snprintf(fail_at(p->err, EXPR_ERR_SYNTAX, i), MSG_SIZE,
             "mot inconnu « %.*s » : une référence à une question s'écrit ${%.*s}, un texte '%.*s'", n, s + i, n, s + i,
             n, s + i);
    return -1;
}

/* Reads the next token into p->tok. Returns 0, or -1 with p->err filled. */
static int lex_next(parser *p)
{
    const char *s = p->src;
    size_t i = p->at;
    while (i < p->len && is_space(s[i]))
        i++;
    memset(&p->tok, 0, sizeof p->tok);
    p->tok.pos = i;
    p->tok.len = 1;
    p->at = i + 1;
    if (i == p->len) {
        p->tok.kind = T_END;
        p->tok.len = 0;
        p->at = i;
        return 0;
    }
    char c = s[i];
    char c2 = i + 1 < p->len ? s[i + 1] : '\0';
    if (is_digit(c) || (c == '.' && is_digit(c2)))
        return lex_number(p, i);
    if (c == '\'' || c == '"')
        return lex_string(p, i);
    if (c == '$')
        return lex_ref(p, i);
    if (is_alpha(c))
        return lex_word(p, i);
    p->tok.kind = T_OP;
    switch (c) {
    case '.':
        p->tok.kind = T_DOT;
        return 0;
    case '(':
        p->tok.kind = T_LPAREN;
        return 0;
    case ')':
        p->tok.kind = T_RPAREN;
        return 0;
    case ',':
        p->tok.kind = T_COMMA;
        return 0;
    case '=':
        p->tok.op = OP_EQ;
        return 0;
    case '+':
        p->tok.op = OP_ADD;
        return 0;
    case '-':
        p->tok.op = OP_SUB;
        return 0;
    case '*':
        p->tok.op = OP_MUL;
        return 0;
    case '<':
    case '>':
        p->tok.op = c == '<' ? OP_LT : OP_GT;
        if (c2 == '=') {
            p->tok.op = c == '<' ? OP_LE : OP_GE;
            p->tok.len = 2;
            p->at = i + 2;
        }
        return 0;
    case '!':
        if (c2 == '=') {
            p->tok.op = OP_NE;
            p->tok.len = 2;
            p->at = i + 2;
            return 0;
        }
        snprintf(fail_at(p->err, EXPR_ERR_SYNTAX, i), MSG_SIZE,
                 "'!' seul n'existe pas : écrivez '!=' pour « différent de », not(…) pour la négation");
        return -1;
    default:
        break;
    }
    if (c >= 0x20 && c < 0x7f)
        snprintf(fail_at(p->err, EXPR_ERR_SYNTAX, i), MSG_SIZE, "caractère inattendu '%c'", c);
    else
        snprintf(fail_at(p->err, EXPR_ERR_SYNTAX, i), MSG_SIZE,
                 "caractère inattendu (hors d'un texte entre apostrophes, seuls les caractères ASCII sont permis)");
    return -1;
}

/* ---------------------------------------------------------------------------------------------------------
 * The parser. Each function parses one rule starting at p->tok and leaves p->tok on the token after it; it
 * returns the new subtree, owned by the caller, or NULL with p->err filled and nothing left allocated.
 *
 * Recursion only happens through parentheses (grouping and calls) and unary minus, and each of these counts
 * one level of depth, limited to EXPR_MAX_DEPTH, so hostile input cannot exhaust the stack here. Chains of
 * binary operators are built by loops; the tree they give is at most EXPR_MAX_LEN / 2 deep, which the
 * recursive checker, evaluator and free can afford.
 */

static node *parse_level(parser *p, int level);

/* Enters one level of nesting at pos; fails past EXPR_MAX_DEPTH. */
static int enter(parser *p, size_t pos)
{
    if (p->depth >= EXPR_MAX_DEPTH) {
        snprintf(fail_at(p->err, EXPR_ERR_SYNTAX, pos), MSG_SIZE,
                 "expression trop imbriquée (plus de %d niveaux de parenthèses)", EXPR_MAX_DEPTH);
        return -1;
    }
    p->depth++;
    return 0;
}

/* Reports the current token as unexpected where an operand was needed. */
static void fail_operand(parser *p)
{
    char q[64];
    if (p->tok.kind == T_END) {
        snprintf(fail_at(p->err, EXPR_ERR_SYNTAX, p->tok.pos), MSG_SIZE, "fin inattendue de l'expression");
        return;
    }
    tok_quote(p, q, sizeof q);
    snprintf(fail_at(p->err, EXPR_ERR_SYNTAX, p->tok.pos), MSG_SIZE, "valeur attendue à la place de %s", q);
}

/* group := '(' or ')' -- parentheses make no node of their own. */
static node *parse_group(parser *p)
{
    size_t open = p->tok.pos;
    node *inner = NULL;
    if (enter(p, open) != 0)
        return NULL;
    if (lex_next(p) != 0)
        goto fail;
    inner = parse_level(p, 0);
    if (inner == NULL)
        goto fail;
    if (p->tok.kind != T_RPAREN) {
        char q[64];
        tok_quote(p, q, sizeof q);
        snprintf(fail_at(p->err, EXPR_ERR_SYNTAX, p->tok.pos), MSG_SIZE,
                 "')' attendue avant %s, pour fermer la parenthèse ouverte en position %zu", q, open + 1);
        goto fail;
    }
    if (lex_next(p) != 0)
        goto fail;
    p->depth--;
    return inner;
fail:
    p->depth--;
    node_free(inner);
    return NULL;
}

/* call := NAME '(' [or (',' or)*] ')' -- any number of arguments; the checker holds them to the arity. */
static node *parse_call(parser *p)
{
    const struct word *w = p->tok.fn;
    bool entered = false;
    node *n = node_new(p->err, N_CALL, p->tok.pos);
    if (n == NULL)
        return NULL;
    n->fn = (func)w->code;
    if (lex_next(p) != 0)
        goto fail;
    if (p->tok.kind != T_LPAREN) {
        snprintf(fail_at(p->err, EXPR_ERR_SYNTAX, p->tok.pos), MSG_SIZE, "'(' attendue après %s", w->name);
        goto fail;
    }
    if (enter(p, p->tok.pos) != 0)
        goto fail;
    entered = true;
    if (lex_next(p) != 0)
        goto fail;
    if (p->tok.kind != T_RPAREN) {
        for (;;) {
            node *arg = parse_level(p, 0);
            if (arg == NULL || adopt(p->err, n, arg) != 0)
                goto fail;
            if (p->tok.kind == T_RPAREN)
                break;
            if (p->tok.kind == T_END) {
                snprintf(fail_at(p->err, EXPR_ERR_SYNTAX, p->tok.pos), MSG_SIZE,
                         "')' attendue : la parenthèse de %s( n'est pas fermée", w->name);
                goto fail;
            }
            if (p->tok.kind != T_COMMA) {
                char q[64];
                tok_quote(p, q, sizeof q);
                snprintf(fail_at(p->err, EXPR_ERR_SYNTAX, p->tok.pos), MSG_SIZE,
                         "',' ou ')' attendue avant %s dans l'appel de %s()", q, w->name);
                goto fail;
            }
            if (lex_next(p) != 0)
                goto fail;
        }
    }
    if (lex_next(p) != 0)
        goto fail;
    p->depth--;
    return n;
fail:
    if (entered)
        p->depth--;
    node_free(n);
    return NULL;
}

/* primary := NUMBER | STRING | REF | '.' | group | call */
static node *parse_primary(parser *p)
{
    const token t = p->tok;
    node *n = NULL;
    switch (t.kind) {
    case T_LPAREN:
        return parse_group(p);
    case T_FUNC:
        return parse_call(p);
    case T_NUM:
        n = node_new(p->err, N_NUM, t.pos);
        if (n == NULL)
            return NULL;
        n->num = t.num;
        break;
    case T_STR:
    case T_REF:
        n = node_new(p->err, t.kind == T_STR ? N_STR : N_REF, t.pos);
        if (n == NULL)
            return NULL;
        n->str = copy_bytes(p->src + t.a, t.alen);
        if (t.blen > 0)
            n->row = copy_bytes(p->src + t.b, t.blen);
        if (n->str == NULL || (t.blen > 0 && n->row == NULL)) {
            fail_oom(p->err, t.pos);
            goto fail;
        }
        break;
    case T_DOT:
        n = node_new(p->err, N_DOT, t.pos);
        if (n == NULL)
            return NULL;
        break;
    default:
        fail_operand(p);
        return NULL;
    }
    if (lex_next(p) != 0)
        goto fail;
    return n;
fail:
    node_free(n);
    return NULL;
}

/* unary := '-' unary | primary */
static node *parse_unary(parser *p)
{
    if (p->tok.kind != T_OP || p->tok.op != OP_SUB)
        return parse_primary(p);
    size_t pos = p->tok.pos;
    node *n = NULL;
    if (enter(p, pos) != 0)
        return NULL;
    if (lex_next(p) != 0)
        goto fail;
    n = node_new(p->err, N_NEG, pos);
    if (n == NULL)
        goto fail;
    node *operand = parse_unary(p);
    if (operand == NULL || adopt(p->err, n, operand) != 0)
        goto fail;
    p->depth--;
    return n;
fail:
    p->depth--;
    node_free(n);
    return NULL;
}

/* level := next (OP-of-this-level next)* -- left-associative; level N_LEVELS is unary. */
static node *parse_level(parser *p, int level)
{
    if (level == N_LEVELS)
        return parse_unary(p);
    node *left = parse_level(p, level + 1);
    if (left == NULL)
        return NULL;
    while (p->tok.kind == T_OP && binop_level[p->tok.op] == level) {
        node *n = node_new(p->err, N_BIN, p->tok.pos);
        if (n == NULL)
            goto fail;
        n->op = p->tok.op;
        /* The new node owns left from here on, so that every failure below frees one tree. */
        if (adopt(p->err, n, left) != 0) {
            left = n;
            goto fail;
        }
        left = n;
        if (lex_next(p) != 0)
            goto fail;
        node *right = parse_level(p, level + 1);
        if (right == NULL || adopt(p->err, n, right) != 0)
            goto fail;
    }
    return left;
fail:
    node_free(left);
    return NULL;
}

/* ---------------------------------------------------------------------------------------------------------
 * The checker: resolves references and gives every node its static type, after the whole tree is parsed.
 */

typedef struct checker {
    const expr_scope *scope;
    expr_error *err;
} checker;

/* The French name of a type with its indefinite article, for messages ("un nombre"). */
static const char *type_article(expr_type t)
{
    switch (t) {
    case EXPR_T_BOOL:
        return "une condition (vrai/faux)";
    case EXPR_T_NUMBER:
        return "un nombre";
    case EXPR_T_STRING:
        return "un texte";
    case EXPR_T_DATE:
        return "une date";
    case EXPR_T_SET:
        return "un ensemble de choix";
    case EXPR_T_NONE:
        return "une référence sans valeur";
    case EXPR_T_ANY:
        return "une valeur";
    }
    return "une valeur";
}

/* Writes into buf how a reference node is written in the source ("${R13}", "${R23.pmi}", "."), cut to the
 * 32 characters an id or a code may have, so that messages built from it fit their buffer. */
static void describe_ref(const node *n, char *buf, size_t size)
{
    if (n->kind == N_DOT)
        snprintf(buf, size, ".");
    else if (n->row != NULL)
        snprintf(buf, size, "${%.32s.%.32s}", n->str, n->row);
    else
        snprintf(buf, size, "${%.32s}", n->str);
}

/* Whether n is a reference to an answer ('.' included). */
static bool is_ref(const node *n)
{
    return n->kind == N_REF || n->kind == N_DOT;
}

/* Whether n is the literal '' (or ""), which compares with any value to test whether it is empty. */
static bool is_blank_literal(const node *n)
{
    return n->kind == N_STR && n->str[0] == '\0';
}

/* Fails when n cannot stand where a value is used: a set (only selected and count-selected take one) or a
 * reference without a value (a note, a whole grid). Returns 0 when n is usable. */
static int check_usable(checker *c, const node *n)
{
    char r[72];
    if (n->type != EXPR_T_SET && n->type != EXPR_T_NONE)
        return 0;
    describe_ref(n, r, sizeof r);
    if (n->type == EXPR_T_SET)
        snprintf(fail_at(c->err, EXPR_ERR_TYPE, n->pos), MSG_SIZE,
                 "%s est une question à choix multiples, qui ne s'utilise qu'avec selected(%s, 'code') ou "
                 "count-selected()",
                 r, r);
    else
        snprintf(fail_at(c->err, EXPR_ERR_TYPE, n->pos), MSG_SIZE,
                 "%s n'a pas de valeur utilisable (note, ou grille entière : désignez une ligne, ${ID.ligne})", r);
    return -1;
}

/* Fails unless n has type want; what names the operator or function for the message. */
static int check_operand(checker *c, const node *n, expr_type want, const char *what)
{
    if (check_usable(c, n) != 0)
        return -1;
    if (n->type == want)
        return 0;
    snprintf(fail_at(c->err, EXPR_ERR_TYPE, n->pos), MSG_SIZE, "%s attend %s, pas %s", what, type_article(want),
             type_article(n->type));
    return -1;
}

/* When lit is a string literal other than '' and ref a reference to a choice question, fails unless lit is
 * one of its codes: a misspelt code would otherwise make a condition that is silently never true. */
static int check_code(checker *c, const node *ref, const node *lit)
{
    if (lit->kind != N_STR || is_blank_literal(lit) || !is_ref(ref) || ref->ref.has_code == NULL)
        return 0;
    if (ref->ref.has_code(ref->ref.subject, lit->str))
        return 0;
    char r[72];
    describe_ref(ref, r, sizeof r);
    snprintf(fail_at(c->err, EXPR_ERR_CHOICE, lit->pos), MSG_SIZE, "code inconnu '%.*s' pour %s",
             util_utf8_prefix(lit->str, strlen(lit->str), 60), lit->str, r);
    return -1;
}

/* Checks a date compared with a string: allowed only when the string is a literal YYYY-MM-DD date. Returns
 * 1 when (l, r) is not a date/string pair at all, 0 when it is a valid one, -1 after an error. */
static int check_date_literal(checker *c, const node *l, const node *r)
{
    const node *lit = l->type == EXPR_T_DATE ? r : l;
    const node *date = l->type == EXPR_T_DATE ? l : r;
    if (date->type != EXPR_T_DATE || lit->kind != N_STR)
        return 1;
    if (valid_date(lit->str))
        return 0;
    snprintf(fail_at(c->err, EXPR_ERR_TYPE, lit->pos), MSG_SIZE,
             "'%.*s' n'est pas une date valide : une date s'écrit 'AAAA-MM-JJ'",
             util_utf8_prefix(lit->str, strlen(lit->str), 40), lit->str);
    return -1;
}

/* = and !=: same types, or '' against anything with a value, or a date against a literal date. */
static int check_equality(checker *c, node *n)
{
    node *l = n->kids[0], *r = n->kids[1];
    if (l->type == EXPR_T_NONE)
        return check_usable(c, l);
    if (r->type == EXPR_T_NONE)
        return check_usable(c, r);
    if (!is_blank_literal(l) && !is_blank_literal(r)) {
        if (check_usable(c, l) != 0 || check_usable(c, r) != 0)
            return -1;
        if (l->type != r->type) {
            int rc = check_date_literal(c, l, r);
            if (rc < 0)
                return -1;
            if (rc > 0) {
                snprintf(fail_at(c->err, EXPR_ERR_TYPE, n->pos), MSG_SIZE,
                         "'%s' compare deux valeurs du même type, pas %s et %s", binop_text[n->op],
                         type_article(l->type), type_article(r->type));
                return -1;
            }
        }
    }
    n->type = EXPR_T_BOOL;
    if (check_code(c, l, r) != 0 || check_code(c, r, l) != 0)
        return -1;
    return 0;
}

/* <, <=, >, >=: two numbers, two dates, or a date and a literal date. */
static int check_order(checker *c, node *n)
{
    node *l = n->kids[0], *r = n->kids[1];
    if (check_usable(c, l) != 0 || check_usable(c, r) != 0)
        return -1;
    if (l->type == r->type && (l->type == EXPR_T_NUMBER || l->type == EXPR_T_DATE)) {
        n->type = EXPR_T_BOOL;
        return 0;
    }
    int rc = check_date_literal(c, l, r);
    if (rc < 0)
        return -1;
    if (rc > 0) {
        snprintf(fail_at(c->err, EXPR_ERR_TYPE, n->pos), MSG_SIZE,
                 "'%s' compare deux nombres ou deux dates, pas %s et %s", binop_text[n->op], type_article(l->type),
                 type_article(r->type));
        return -1;
    }
    n->type = EXPR_T_BOOL;
    return 0;
}

/* A binary operator, once both operands are typed. */
static int check_binary(checker *c, node *n)
{
    char what[32];
    snprintf(what, sizeof what, "'%s'", binop_text[n->op]);
    switch (n->op) {
    case OP_OR:
    case OP_AND:
        if (check_operand(c, n->kids[0], EXPR_T_BOOL, what) != 0 ||
            check_operand(c, n->kids[1], EXPR_T_BOOL, what) != 0)
            return -1;
        n->type = EXPR_T_BOOL;
        return 0;
    case OP_EQ:
    case OP_NE:
        return check_equality(c, n);
    case OP_LT:
    case OP_LE:
    case OP_GT:
    case OP_GE:
        return check_order(c, n);
    case OP_ADD:
    case OP_SUB:
    case OP_MUL:
    case OP_DIV:
    case OP_MOD:
        if (check_operand(c, n->kids[0], EXPR_T_NUMBER, what) != 0 ||
            check_operand(c, n->kids[1], EXPR_T_NUMBER, what) != 0)
            return -1;
        n->type = EXPR_T_NUMBER;
        return 0;
    }
    return -1;
}

/* if(cond, a, b): a condition, then two values of one type; the literal '' (no value) fits either, and
 * if('' , '') is an empty text. A set or a reference without a value cannot be a result. */
static int check_if(checker *c, node *n)
{
    node *a = n->kids[1], *b = n->kids[2];
    if (check_operand(c, n->kids[0], EXPR_T_BOOL, "le premier argument de if()") != 0 ||
        check_usable(c, a) != 0 || check_usable(c, b) != 0)
        return -1;
    if (is_blank_literal(a) || is_blank_literal(b)) {
        n->type = is_blank_literal(a) ? b->type : a->type;
        return 0;
    }
    if (a->type != b->type) {
        snprintf(fail_at(c->err, EXPR_ERR_TYPE, b->pos), MSG_SIZE,
                 "les deux valeurs de if() doivent être du même type, pas %s et %s", type_article(a->type),
                 type_article(b->type));
        return -1;
    }
    n->type = a->type;
    return 0;
}

/* A function call, once its arguments are typed: arity, then the type of each argument. */
static int check_call(checker *c, node *n)
{
    const struct word *w = NULL;
    for (size_t i = 0; i < N_WORDS; i++)
        if (words[i].is_func && words[i].code == (int)n->fn)
            w = &words[i];
    char what[32];
    snprintf(what, sizeof what, "%s()", w->name);
    if (n->nkids != w->arity) {
        if (w->arity == 0)
            snprintf(fail_at(c->err, EXPR_ERR_TYPE, n->pos), MSG_SIZE, "%s n'attend aucun argument", what);
        else
            snprintf(fail_at(c->err, EXPR_ERR_TYPE, n->pos), MSG_SIZE, "%s attend %zu argument%s, pas %zu", what,
                     w->arity, w->arity > 1 ? "s" : "", n->nkids);
        return -1;
    }
    node *a = n->nkids > 0 ? n->kids[0] : NULL;
    switch (n->fn) {
    case F_NOT:
        if (check_operand(c, a, EXPR_T_BOOL, what) != 0)
            return -1;
        n->type = EXPR_T_BOOL;
        return 0;
    case F_SELECTED:
    case F_COUNT_SELECTED: {
        bool sel = n->fn == F_SELECTED;
        if (a->type == EXPR_T_NONE)
            return check_usable(c, a);
        if (!is_ref(a) || (a->type != EXPR_T_SET && (!sel || a->type != EXPR_T_STRING))) {
            snprintf(fail_at(c->err, EXPR_ERR_TYPE, a->pos), MSG_SIZE,
                     "le premier argument de %s doit être une référence à une question %s, pas %s", what,
                     sel ? "à choix (unique ou multiple)" : "à choix multiples", type_article(a->type));
            return -1;
        }
        if (sel) {
            if (check_operand(c, n->kids[1], EXPR_T_STRING, "le code, second argument de selected(),") != 0 ||
                check_code(c, a, n->kids[1]) != 0)
                return -1;
        }
        n->type = sel ? EXPR_T_BOOL : EXPR_T_NUMBER;
        return 0;
    }
    case F_STRING_LENGTH:
        if (check_operand(c, a, EXPR_T_STRING, what) != 0)
            return -1;
        n->type = EXPR_T_NUMBER;
        return 0;
    case F_TODAY:
        n->type = EXPR_T_DATE;
        return 0;
    case F_TRUE:
    case F_FALSE:
        n->type = EXPR_T_BOOL;
        return 0;
    case F_IF:
        return check_if(c, n);
    }
    return -1;
}

/* Resolves a reference (or '.') through the scope. */
static int check_ref(checker *c, node *n)
{
    const expr_scope *sc = c->scope;
    char r[72];
    describe_ref(n, r, sizeof r);
    if (n->kind == N_DOT) {
        if (sc == NULL || sc->dot == NULL) {
            snprintf(fail_at(c->err, EXPR_ERR_REFERENCE, n->pos), MSG_SIZE,
                     "'.' désigne la réponse vérifiée et n'est permis que dans une contrainte (constraint)");
            return -1;
        }
        n->ref = *sc->dot;
    } else {
        if (sc == NULL || sc->resolve == NULL) {
            snprintf(fail_at(c->err, EXPR_ERR_REFERENCE, n->pos), MSG_SIZE, "référence inconnue : %s", r);
            return -1;
        }
        expr_ref out = {EXPR_T_NONE, NULL, NULL};
        char *msg = fail_at(c->err, EXPR_ERR_REFERENCE, n->pos);
        if (sc->resolve(sc->ctx, n->str, n->row, &out, msg, MSG_SIZE) != 0) {
            msg[MSG_SIZE - 1] = '\0';
            if (msg[0] == '\0')
                snprintf(msg, MSG_SIZE, "référence inconnue : %s", r);
            return -1;
        }
        msg[0] = '\0';
        n->ref = out;
    }
    /* A resolver that answers with a type no answer can have is a bug of the caller; refusing the reference
     * keeps evaluation on the types it knows. */
    if (n->ref.type <= EXPR_T_ANY || n->ref.type > EXPR_T_NONE) {
        snprintf(fail_at(c->err, EXPR_ERR_REFERENCE, n->pos), MSG_SIZE, "type inconnu pour %s", r);
        return -1;
    }
    n->type = n->ref.type;
    return 0;
}

/* Types n and its subtree, children first (so left to right in the source). */
static int check(checker *c, node *n)
{
    for (size_t i = 0; i < n->nkids; i++)
        if (check(c, n->kids[i]) != 0)
            return -1;
    switch (n->kind) {
    case N_NUM:
        n->type = EXPR_T_NUMBER;
        return 0;
    case N_STR:
        n->type = EXPR_T_STRING;
        return 0;
    case N_REF:
    case N_DOT:
        return check_ref(c, n);
    case N_NEG:
        if (check_operand(c, n->kids[0], EXPR_T_NUMBER, "le signe '-'") != 0)
            return -1;
        n->type = EXPR_T_NUMBER;
        return 0;
    case N_BIN:
        return check_binary(c, n);
    case N_CALL:
        return check_call(c, n);
    }
    return -1;
}

/* ---------------------------------------------------------------------------------------------------------
 * Compilation.
 */

expr *expr_compile(const char *src, const expr_scope *scope, expr_type want, expr_error *err)
{
    expr_error scratch;
    parser p;
    node *root = NULL;
    expr *e = NULL;
    if (err == NULL)
        err = &scratch;
    memset(err, 0, sizeof *err);
    if (src == NULL) {
        snprintf(fail_at(err, EXPR_ERR_SYNTAX, 0), MSG_SIZE, "expression absente");
        goto fail;
    }
    /* Measure no further than the limit: the source may be a huge untrusted string. */
    size_t len = 0;
    while (len <= EXPR_MAX_LEN && src[len] != '\0')
        len++;
    if (len > EXPR_MAX_LEN) {
        snprintf(fail_at(err, EXPR_ERR_SYNTAX, EXPR_MAX_LEN), MSG_SIZE, "expression trop longue (plus de %d octets)",
                 EXPR_MAX_LEN);
        goto fail;
    }
    memset(&p, 0, sizeof p);
    p.src = src;
    p.len = len;
    p.err = err;
    if (lex_next(&p) != 0)
        goto fail;
    if (p.tok.kind == T_END) {
        snprintf(fail_at(err, EXPR_ERR_SYNTAX, p.tok.pos), MSG_SIZE, "expression vide");
        goto fail;
    }
    size_t start = p.tok.pos;
    root = parse_level(&p, 0);
    if (root == NULL)
        goto fail;
    if (p.tok.kind != T_END) {
        char q[64];
        tok_quote(&p, q, sizeof q);
        if (p.tok.kind == T_RPAREN)
            snprintf(fail_at(err, EXPR_ERR_SYNTAX, p.tok.pos), MSG_SIZE, "')' sans '(' correspondante");
        else
            snprintf(fail_at(err, EXPR_ERR_SYNTAX, p.tok.pos), MSG_SIZE, "opérateur attendu avant %s (and, or, =, +…)",
                     q);
        goto fail;
    }
    checker c = {scope, err};
    if (check(&c, root) != 0)
        goto fail;
    if (root->type == EXPR_T_NONE) {
        check_usable(&c, root);
        goto fail;
    }
    if (want != EXPR_T_ANY && root->type != want) {
        snprintf(fail_at(err, EXPR_ERR_TYPE, start), MSG_SIZE, "l'expression doit être %s, pas %s", type_article(want),
                 type_article(root->type));
        goto fail;
    }
    e = malloc(sizeof *e);
    if (e == NULL) {
        fail_oom(err, 0);
        goto fail;
    }
    e->root = root;
    memset(err, 0, sizeof *err);
    return e;
fail:
    node_free(root);
    return NULL;
}

void expr_free(expr *e)
{
    if (e == NULL)
        return;
    node_free(e->root);
    free(e);
}

expr_type expr_result_type(const expr *e)
{
    return e ? e->root->type : EXPR_T_NONE;
}

/* Reports the references below n in source order: children are stored left to right. */
static void foreach_ref(const node *n, void (*fn)(void *ctx, const char *qid, const char *row), void *ctx)
{
    if (n->kind == N_REF)
        fn(ctx, n->str, n->row);
    for (size_t i = 0; i < n->nkids; i++)
        foreach_ref(n->kids[i], fn, ctx);
}

void expr_foreach_ref(const expr *e, void (*fn)(void *ctx, const char *qid, const char *row), void *ctx)
{
    if (e != NULL && fn != NULL)
        foreach_ref(e->root, fn, ctx);
}

/* Reports the leaves n may take its value from: through if() to a literal or a reference; any other node is
 * reported as an unknown value (literal, qid and row all NULL). The literal '' is no value and not reported. */
static void foreach_result(const node *n, void (*fn)(void *ctx, const char *lit, const char *qid, const char *row),
                           void *ctx)
{
    if (n->kind == N_CALL && n->fn == F_IF) {
        foreach_result(n->kids[1], fn, ctx);
        foreach_result(n->kids[2], fn, ctx);
    } else if (n->kind == N_STR) {
        if (n->str[0] != '\0')
            fn(ctx, n->str, NULL, NULL);
    } else if (n->kind == N_REF) {
        fn(ctx, NULL, n->str, n->row);
    } else {
        fn(ctx, NULL, NULL, NULL);
    }
}

void expr_foreach_result(const expr *e, void (*fn)(void *ctx, const char *lit, const char *qid, const char *row),
                         void *ctx)
{
    if (e != NULL && fn != NULL)
        foreach_result(e->root, fn, ctx);
}

/* ---------------------------------------------------------------------------------------------------------
 * Evaluation. The tree is well typed, so every operator meets the types it was checked for; only emptiness
 * varies with the answers.
 */

/* The empty value of type t: "not answered". num is NaN so that arithmetic with it gives NaN. */
static expr_value empty_value(expr_type t)
{
    expr_value v;
    memset(&v, 0, sizeof v);
    v.type = t;
    v.empty = true;
    v.num = NAN;
    v.str = "";
    return v;
}

/* A non-empty value of type t. */
static expr_value make_value(expr_type t)
{
    expr_value v = empty_value(t);
    v.empty = false;
    return v;
}

/* A boolean value. */
static expr_value bool_value(bool b)
{
    expr_value v = make_value(EXPR_T_BOOL);
    v.b = b;
    return v;
}

/* A number value. */
static expr_value number_value(double x)
{
    expr_value v = make_value(EXPR_T_NUMBER);
    v.num = x;
    return v;
}

/* Reads an answer j (borrowed, may be NULL) as a value of static type t. An answer of the wrong JSON type
 * reads as empty, and so do "" and [] (never valid answers) and an array holding anything but strings. */
static expr_value read_answer(expr_type t, const json_t *j)
{
    expr_value v = make_value(t);
    switch (t) {
    case EXPR_T_NUMBER:
        if (json_is_number(j)) {
            v.num = json_number_value(j);
            return v;
        }
        break;
    case EXPR_T_STRING:
    case EXPR_T_DATE:
        if (json_is_string(j) && json_string_length(j) > 0) {
            v.str = json_string_value(j);
            return v;
        }
        break;
    case EXPR_T_SET:
        if (json_is_array(j) && json_array_size(j) > 0) {
            for (size_t i = 0; i < json_array_size(j); i++)
                if (!json_is_string(json_array_get(j, i)))
                    return empty_value(t);
            v.set = j;
            return v;
        }
        break;
    case EXPR_T_BOOL:
        if (json_is_boolean(j)) {
            v.b = json_is_true(j);
            return v;
        }
        break;
    case EXPR_T_ANY:
    case EXPR_T_NONE:
        break;
    }
    return empty_value(t);
}

/* = : two empty values are equal (the literal '' is the empty value); an empty value equals nothing else;
 * otherwise values compare by type, and values of different types (a set against '') differ. */
static bool values_equal(const expr_value *a, const expr_value *b)
{
    if (a->empty || b->empty)
        return a->empty && b->empty;
    if (a->type == EXPR_T_NUMBER && b->type == EXPR_T_NUMBER)
        return a->num == b->num;
    if (a->type == EXPR_T_BOOL && b->type == EXPR_T_BOOL)
        return a->b == b->b;
    bool at = a->type == EXPR_T_STRING || a->type == EXPR_T_DATE;
    bool bt = b->type == EXPR_T_STRING || b->type == EXPR_T_DATE;
    return at && bt && strcmp(a->str, b->str) == 0;
}

static expr_value eval_node(const node *n, const expr_values *vals);

/* Whether v is a true boolean. */
static bool truthy(const expr_value *v)
{
    return v->type == EXPR_T_BOOL && !v->empty && v->b;
}

/* A binary operator. */
static expr_value eval_binary(const node *n, const expr_values *vals)
{
    expr_value a = eval_node(n->kids[0], vals);
    if (n->op == OP_OR && truthy(&a))
        return bool_value(true);
    if (n->op == OP_AND && !truthy(&a))
        return bool_value(false);
    expr_value b = eval_node(n->kids[1], vals);
    switch (n->op) {
    case OP_OR:
    case OP_AND:
        return bool_value(truthy(&b));
    case OP_EQ:
        return bool_value(values_equal(&a, &b));
    case OP_NE:
        return bool_value(!values_equal(&a, &b));
    case OP_LT:
    case OP_LE:
    case OP_GT:
    case OP_GE: {
        if (a.empty || b.empty)
            return bool_value(false);
        if (a.type == EXPR_T_NUMBER) {
            /* IEEE: NaN, from arithmetic with an empty value, is in no order with anything. */
            switch (n->op) {
            case OP_LT:
                return bool_value(a.num < b.num);
            case OP_LE:
                return bool_value(a.num <= b.num);
            case OP_GT:
                return bool_value(a.num > b.num);
            default:
                return bool_value(a.num >= b.num);
            }
        }
        /* Dates: YYYY-MM-DD strings sort as the days they name. */
        int c = strcmp(a.str, b.str);
        switch (n->op) {
        case OP_LT:
            return bool_value(c < 0);
        case OP_LE:
            return bool_value(c <= 0);
        case OP_GT:
            return bool_value(c > 0);
        default:
            return bool_value(c >= 0);
        }
    }
    case OP_ADD:
        return number_value(a.num + b.num);
    case OP_SUB:
        return number_value(a.num - b.num);
    case OP_MUL:
        return number_value(a.num * b.num);
    case OP_DIV:
        return number_value(a.num / b.num);
    case OP_MOD:
        return number_value(fmod(a.num, b.num));
    }
    return empty_value(n->type);
}

/* A function call. */
static expr_value eval_call(const node *n, const expr_values *vals)
{
    switch (n->fn) {
    case F_NOT: {
        expr_value a = eval_node(n->kids[0], vals);
        return bool_value(!truthy(&a));
    }
    case F_SELECTED: {
        expr_value a = eval_node(n->kids[0], vals);
        expr_value code = eval_node(n->kids[1], vals);
        if (a.empty || code.empty)
            return bool_value(false);
        if (a.type == EXPR_T_STRING)
            return bool_value(strcmp(a.str, code.str) == 0);
        for (size_t i = 0; i < json_array_size(a.set); i++)
            if (strcmp(json_string_value(json_array_get(a.set, i)), code.str) == 0)
                return bool_value(true);
        return bool_value(false);
    }
    case F_COUNT_SELECTED: {
        expr_value a = eval_node(n->kids[0], vals);
        return number_value(a.empty ? 0.0 : (double)json_array_size(a.set));
    }
    case F_STRING_LENGTH: {
        expr_value a = eval_node(n->kids[0], vals);
        return number_value(a.empty ? 0.0 : (double)utf8_length(a.str));
    }
    case F_TODAY:
        if (vals != NULL && vals->today != NULL && vals->today[0] != '\0') {
            expr_value v = make_value(EXPR_T_DATE);
            v.str = vals->today;
            return v;
        }
        return empty_value(EXPR_T_DATE);
    case F_TRUE:
        return bool_value(true);
    case F_FALSE:
        return bool_value(false);
    case F_IF: {
        /* Only the branch taken is evaluated; an empty condition is false, as in relevant. The result keeps
         * the node's type even when the branch is the literal '', whose empty value is a text. */
        expr_value cond = eval_node(n->kids[0], vals);
        expr_value v = eval_node(n->kids[truthy(&cond) ? 1 : 2], vals);
        return v.empty ? empty_value(n->type) : v;
    }
    }
    return empty_value(n->type);
}

/* Evaluates n; the result borrows strings from the tree or from the answers. */
static expr_value eval_node(const node *n, const expr_values *vals)
{
    switch (n->kind) {
    case N_NUM:
        return number_value(n->num);
    case N_STR: {
        if (n->str[0] == '\0')
            return empty_value(EXPR_T_STRING);
        expr_value v = make_value(EXPR_T_STRING);
        v.str = n->str;
        return v;
    }
    case N_REF: {
        const json_t *j = NULL;
        if (vals != NULL && vals->lookup != NULL)
            j = vals->lookup(vals->ctx, n->str, n->row);
        return read_answer(n->type, j);
    }
    case N_DOT:
        return read_answer(n->type, vals != NULL ? vals->dot : NULL);
    case N_NEG: {
        expr_value a = eval_node(n->kids[0], vals);
        return number_value(-a.num);
    }
    case N_BIN:
        return eval_binary(n, vals);
    case N_CALL:
        return eval_call(n, vals);
    }
    return empty_value(n->type);
}

expr_value expr_eval(const expr *e, const expr_values *vals)
{
    if (e == NULL)
        return empty_value(EXPR_T_NONE);
    return eval_node(e->root, vals);
}

bool expr_eval_bool(const expr *e, const expr_values *vals)
{
    expr_value v = expr_eval(e, vals);
    return truthy(&v);
}

const char *expr_type_name(expr_type t)
{
    switch (t) {
    case EXPR_T_ANY:
        return "quelconque";
    case EXPR_T_BOOL:
        return "booléen";
    case EXPR_T_NUMBER:
        return "nombre";
    case EXPR_T_STRING:
        return "texte";
    case EXPR_T_DATE:
        return "date";
    case EXPR_T_SET:
        return "ensemble de choix";
    case EXPR_T_NONE:
        return "aucune valeur";
    }
    return "?";
}
