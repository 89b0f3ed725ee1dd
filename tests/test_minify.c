/* test_minify.c -- the pages' scripts and styles made smaller (collector/pages/minify.h): whole-line comments,
 * blank lines and indentation go; code, strings, a comment after code and template literals spanning lines stay;
 * and the real engine.js, minified, still runs the shared expression tables the same way (tests/js does that in
 * node; here, its size). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "minify.h"

static void check(const char *in, const char *want)
{
    char *got = minify(in);
    assert_string_equal(got, want);
    free(got);
}

static void test_comments_and_indentation(void **state)
{
    (void)state;
    check("", "");
    check("\n\n  \n", "");
    check("  var a = 1;\n\n    // a comment\n  var b = 2; // kept: after code\n",
          "var a = 1;\nvar b = 2; // kept: after code\n");
    check("/* one line */\nx();\n  /* two\n   * lines */ y();\n/*\n * block\n */\nz();\n", "x();\ny();\nz();\n");
    check("a{color:red}\n  /* css */\n  b { margin: 0 }\n", "a{color:red}\nb { margin: 0 }\n");
    /* no newline at the end, CRLF lines */
    check("  f();\r\n  g()", "f();\ng()\n");
}

static void test_strings_stay(void **state)
{
    (void)state;
    /* what looks like a comment inside a string or a regular expression after code is code */
    check("s = '// not a comment';\nr = /\\/\\*/;\n", "s = '// not a comment';\nr = /\\/\\*/;\n");
    /* a template literal spanning lines keeps its lines, indentation included */
    check("  t = `a\n    // b\n  c`;\n  d();\n", "t = `a\n    // b\n  c`;\nd();\n");
    /* a backtick inside quotes opens nothing */
    check("  q = '`';\n  // gone\n  e();\n", "q = '`';\ne();\n");
    /* an unterminated block comment swallows the rest, as it would in a browser */
    check("x();\n/* open\ny();\n", "x();\n");
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
    char *m = minify(buf);
    assert_true(strlen(m) < n * 9 / 10);
    assert_non_null(strstr(m, "root.FormEngine = FormEngine;"));
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_comments_and_indentation),
        cmocka_unit_test(test_strings_stay),
        cmocka_unit_test(test_engine_shrinks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
