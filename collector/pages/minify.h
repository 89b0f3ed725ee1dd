/* minify.h -- makes the pages' own scripts and styles smaller before they are inlined and compressed: drops
 * whole-line comments and blank lines and the indentation of every line (about a fifth of the page once
 * compressed). It is line-based and conservative: a comment that follows code on its line stays, and the lines
 * of a template literal that spans lines are kept as they are. It is meant for our own files, which keep these
 * rules (a line starting with "//" or "/ *" is a comment, never a regular expression or the middle of a
 * string); tests/browser runs every page served this way. */
#ifndef COLLECTOR_MINIFY_H
#define COLLECTOR_MINIFY_H

/* A new string: src minified (owned by the caller). */
char *minify(const char *src);

#endif /* COLLECTOR_MINIFY_H */
