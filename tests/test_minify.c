/* test_minify.c -- the pages' scripts and styles made smaller (collector/pages/minify.h): comments, blank lines
 * and indentation go; strings, regular expressions and template literals stay whole, whatever they hold; and the
 * real engine.js shrinks by more than a tenth. (That every script the collector serves still compiles is checked
 * in node by tests/browser/budget.test.js.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "minify.h"

/* Numbered cases: the text in, the language, and what must come out. */
static const struct {
    const char *in;
    minify_lang lang;
    const char *want;
} cases[] = {
    /* 1-6: whole-line comments, blank lines, indentation; line endings */
    {"", MINIFY_JS, ""},
    {"\n\n  \n", MINIFY_JS, ""},
    {"  var a = 1;\n\n    // a comment\n  var b = 2;\n", MINIFY_JS, "var a = 1;\nvar b = 2;\n"},
    {"/* one line */\nx();\n  /* two\n   * lines */ y();\n/*\n * block\n */\nz();\n", MINIFY_JS, "x();\ny();\nz();\n"},
    {"  f();\r\n  g()", MINIFY_JS, "f();\ng()\n"},
    {"x();\n/* open\ny();\n", MINIFY_JS, "x();\n"}, /* not closed: swallows the rest, as a browser would */
    /* 7-10: comments after code; a block comment within a line stays a space */
    {"a(); // after code\n", MINIFY_JS, "a();\n"},
    {"a(1, /* why */ 2);\n", MINIFY_JS, "a(1, 2);\n"},
    {"a/**/b\n", MINIFY_JS, "a b\n"},
    {"x = 1 /* a\n b */ + 2;\n", MINIFY_JS, "x = 1\n+ 2;\n"},
    /* 11-14: what looks like a comment inside a string is a string */
    {"s = '// not a comment'; // one\n", MINIFY_JS, "s = '// not a comment';\n"},
    {"s = \"/* no */\" + 'it\\'s // no';\n", MINIFY_JS, "s = \"/* no */\" + 'it\\'s // no';\n"},
    {"q = '`'; // gone\ne();\n", MINIFY_JS, "q = '`';\ne();\n"},
    {"u = 'http://x'\n", MINIFY_JS, "u = 'http://x'\n"},
    /* 15-21: regular expressions, and divisions */
    {"r = /\\/\\*/; // c\n", MINIFY_JS, "r = /\\/\\*/;\n"},
    {"r = /[/*]'/g.test(s); // c\n", MINIFY_JS, "r = /[/*]'/g.test(s);\n"},
    {"f(/'/, x) // c\n", MINIFY_JS, "f(/'/, x)\n"},
    {"return /'// /.test(x);\n", MINIFY_JS, "return /'// /.test(x);\n"},
    {"x = a / b / c; // 'q\n", MINIFY_JS, "x = a / b / c;\n"},
    {"x = (a + 1) / 2; y = z[0] / 3; // c\n", MINIFY_JS, "x = (a + 1) / 2; y = z[0] / 3;\n"},
    {"i++ / 2; // c\n", MINIFY_JS, "i++ / 2;\n"},
    /* 22-26: template literals keep their lines and indentation, and their ${} code is code */
    {"  t = `a\n    // b\n\n  c`;\n  d();\n", MINIFY_JS, "t = `a\n    // b\n\n  c`;\nd();\n"},
    {"t = `${a /* c */ + 1} // x`; // y\n", MINIFY_JS, "t = `${a + 1} // x`;\n"},
    {"t = `${f({a: 1})}/*${`in ${b}`}*/`;\n", MINIFY_JS, "t = `${f({a: 1})}/*${`in ${b}`}*/`;\n"},
    {"t = `\\`/*`; // c\n", MINIFY_JS, "t = `\\`/*`;\n"},
    {"t = `${'}'}//`; // c\n", MINIFY_JS, "t = `${'}'}//`;\n"},
    /* 27-30: style sheets: block comments only, strings kept, no line comments in CSS */
    {"a{color:red}\n  /* css */\n  b { margin: 0 }\n", MINIFY_CSS, "a{color:red}\nb { margin: 0 }\n"},
    {"a { background: url(http://x/y.png) } /* c */\n", MINIFY_CSS, "a { background: url(http://x/y.png) }\n"},
    {"a::before { content: '/* no */' }\n", MINIFY_CSS, "a::before { content: '/* no */' }\n"},
    {"a { b: c / d }\n", MINIFY_CSS, "a { b: c / d }\n"},
};

static void test_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *got = minify(cases[i].in, cases[i].lang);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("case %zu: %s\ngot:  [%s]\nwant: [%s]", i + 1, cases[i].in, got, cases[i].want);
        free(got);
    }
}

static void test_engine_shrinks(void **state)
{
    (void)state;
    FILE *f = fopen(PAGES_DIR "/engine.js", "rb");
    assert_non_null(f);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *m = minify(buf, MINIFY_JS);
    assert_true(strlen(m) < n * 9 / 10);
    assert_non_null(strstr(m, "root.FormEngine = FormEngine;"));
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_engine_shrinks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
