/* minify.h -- makes the pages' own scripts and styles smaller before they are inlined and compressed: drops
 * comments (block comments, and in scripts line comments), blank lines and the indentation of every line. It
 * reads the text as a tokenizer would, so that nothing inside a string, a template literal or a regular
 * expression is taken for a comment; a template literal is kept verbatim, lines and indentation included. A
 * block comment that spans lines leaves a line break (it may end a statement), one within a line a space.
 * Whether a '/' starts a regular expression or divides is decided from what precedes it, as JavaScript's own
 * grammar does for the code our pages hold (after an operand it divides; after an operator, a bracket that
 * opens, or return/typeof/… it starts a regular expression). */
#ifndef COLLECTOR_MINIFY_H
#define COLLECTOR_MINIFY_H

typedef enum { MINIFY_CSS, MINIFY_JS } minify_lang;

/* A new string: src, a style sheet or a script as lang says, minified (owned by the caller; never NULL). */
char *minify(const char *src, minify_lang lang);

#endif /* COLLECTOR_MINIFY_H */
