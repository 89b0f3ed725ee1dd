/* minify.c -- comments, blank lines and indentation out of the pages' scripts and styles (minify.h). One pass
 * over the text that knows where strings, template literals and regular expressions start and end, so that
 * nothing inside them is taken for a comment. */
#include "minify.h"

#include <stdbool.h>
#include <string.h>

#include "util.h"

/* Template literals nest through ${…}: each level remembers the brace depth its ${ was opened at. */
#define MINIFY_MAX_NESTING 32

/* True for a character that can end an identifier, a keyword or a number. */
static bool word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$' ||
           (unsigned char)c >= 0x80;
}

/* Whether a '/' after the code out[0..n) starts a regular expression (true) or divides (false): after an
 * operand (a name, a number, a closing bracket, a string, a regular expression, x++ or x--) it divides, except
 * after the keywords that an expression follows (return /a/, typeof /a/, …). */
static bool regex_may_start(const char *out, size_t n)
{
    while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\t' || out[n - 1] == '\n'))
        n--;
    if (n == 0)
        return true;
    char c = out[n - 1];
    if (c == ')' || c == ']' || c == '\'' || c == '"' || c == '`' || c == '/')
        return false;
    if ((c == '+' || c == '-') && n >= 2 && out[n - 2] == c)
        return false;
    if (!word_char(c))
        return true;
    size_t start = n;
    while (start > 0 && word_char(out[start - 1]))
        start--;
    static const char *const keywords[] = {"return", "typeof", "instanceof", "in", "of", "new", "delete", "void",
                                           "throw", "case", "do", "else", "yield", "await"};
    for (size_t i = 0; i < sizeof keywords / sizeof *keywords; i++)
        if (strlen(keywords[i]) == n - start && memcmp(out + start, keywords[i], n - start) == 0)
            return true;
    return false;
}

/* Drops the spaces and tabs at the end of out. */
static void trim_end(sbuf *out)
{
    while (out->len > 0 && (out->data[out->len - 1] == ' ' || out->data[out->len - 1] == '\t'))
        out->len--;
}

/* Ends a line of code: trailing blanks go, and a line left empty is not written. */
static void end_line(sbuf *out)
{
    trim_end(out);
    if (out->len > 0 && out->data[out->len - 1] != '\n')
        sbuf_add(out, "\n", 1);
}

/* Copies the string or regular expression that starts at p (its opening quote or slash) to out, up to its
 * closing one included (a regular expression's [classes] may hold a slash); returns what follows. A string
 * that is not closed on its line ends there (not valid JavaScript or CSS; nothing is lost). */
static const char *copy_quoted(const char *p, sbuf *out)
{
    char close = *p;
    bool in_class = false;
    const char *q = p + 1;
    while (*q && *q != '\n') {
        if (*q == '\\' && q[1]) {
            q += 2;
            continue;
        }
        if (close == '/' && *q == '[')
            in_class = true;
        else if (close == '/' && *q == ']')
            in_class = false;
        else if (*q == close && !in_class) {
            q++;
            break;
        }
        q++;
    }
    sbuf_add(out, p, (size_t)(q - p));
    return q;
}

/* Copies a piece of template literal to out: from p (its opening backtick, or the brace that closes a ${…} in
 * it) verbatim, line breaks and indentation included, up to its closing backtick, or up to a ${ whose code the
 * caller then reads as code (the level is pushed on resume/depth, the brace counted). Returns what follows. */
static const char *copy_template(const char *p, sbuf *out, int *resume, int *depth, int *braces)
{
    const char *q = p + 1;
    while (*q && *q != '`' && !(*q == '$' && q[1] == '{'))
        q += *q == '\\' && q[1] ? 2 : 1;
    if (*q == '$' && *depth < MINIFY_MAX_NESTING) {
        q += 2;
        resume[(*depth)++] = (*braces)++;
    } else if (*q) {
        q++;
    }
    sbuf_add(out, p, (size_t)(q - p));
    return q;
}

char *minify(const char *src, minify_lang lang)
{
    sbuf out = {0};
    bool js = lang == MINIFY_JS, line_start = true;
    int braces = 0, depth = 0;          /* depth: template literals open around the code being read */
    int resume[MINIFY_MAX_NESTING];     /* the brace count at which each one's ${ closes */
    const char *p = src;
    while (*p) {
        char c = *p;
        if (line_start && (c == ' ' || c == '\t' || c == '\r')) { /* indentation */
            p++;
            continue;
        }
        line_start = false;
        if (c == '\r') {
            p++;
        } else if (c == '\n') {
            end_line(&out);
            line_start = true;
            p++;
        } else if (c == '/' && p[1] == '*') {
            const char *close = strstr(p + 2, "*/");
            const char *end = close ? close + 2 : p + strlen(p);
            /* A comment across lines ends its line (a line break can end a statement); one within a line is a
             * space between what it separated. */
            if (memchr(p, '\n', (size_t)(end - p))) {
                end_line(&out);
                line_start = true;
            } else if (out.len > 0 && out.data[out.len - 1] != ' ' && out.data[out.len - 1] != '\n') {
                sbuf_add(&out, " ", 1);
            }
            p = end;
            while (!line_start && (*p == ' ' || *p == '\t')) /* one space where the comment was */
                p++;
        } else if (js && c == '/' && p[1] == '/') {
            p += strcspn(p, "\n");
        } else if (c == '\'' || c == '"' || (js && c == '/' && regex_may_start(out.data, out.len))) {
            p = copy_quoted(p, &out);
        } else if (js && c == '`') {
            p = copy_template(p, &out, resume, &depth, &braces);
        } else if (js && c == '}' && depth > 0 && braces - 1 == resume[depth - 1]) {
            /* the end of a ${…}: back into its template literal, which goes on as after an opening backtick */
            braces--;
            depth--;
            p = copy_template(p, &out, resume, &depth, &braces);
        } else {
            braces += c == '{' ? 1 : c == '}' ? -1 : 0;
            sbuf_add(&out, p, 1);
            p++;
        }
    }
    end_line(&out);
    if (out.data == NULL)
        sbuf_add(&out, "", 0);
    return out.data;
}
