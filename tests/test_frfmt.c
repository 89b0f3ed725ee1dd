/* test_frfmt.c -- French number and date formats (analyzer/publish/frfmt.h): what the report, the codebook and
 * the exports for a French spreadsheet write. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "frfmt.h"

#define NN FR_NNBSP

static void test_numbers(void **state)
{
    (void)state;
    char b[FR_BUF];
    assert_string_equal(fr_num(b, sizeof b, 12.34, 1), "12,3");
    assert_string_equal(fr_num(b, sizeof b, 1234.5, 1), "1" NN "234,5");
    assert_string_equal(fr_num(b, sizeof b, 1234567, 0), "1" NN "234" NN "567");
    assert_string_equal(fr_num(b, sizeof b, 999, 0), "999");
    assert_string_equal(fr_num(b, sizeof b, -1234.25, 2), "-1" NN "234,25");
    assert_string_equal(fr_num(b, sizeof b, -0.04, 1), "0,0"); /* no "-0,0" */
    assert_string_equal(fr_num(b, sizeof b, 0.5, 0), "0");     /* rounds half to even, as printf */
    assert_string_equal(fr_num(b, sizeof b, NAN, 1), "—");
    assert_string_equal(fr_num(b, sizeof b, INFINITY, 1), "—");
    assert_string_equal(fr_int(b, sizeof b, 12345), "12" NN "345");
    assert_string_equal(fr_int(b, sizeof b, -100000), "-100" NN "000");
    /* the largest magnitudes still fit FR_BUF */
    fr_num(b, sizeof b, 1e15, 6);
    assert_string_equal(b, "1" NN "000" NN "000" NN "000" NN "000" NN "000,000000");
}

static void test_percentages(void **state)
{
    (void)state;
    char b[FR_BUF];
    assert_string_equal(fr_pct(b, sizeof b, 0.123, 1), "12,3" NN "%");
    assert_string_equal(fr_pct(b, sizeof b, 1, 0), "100" NN "%");
    assert_string_equal(fr_pct(b, sizeof b, 0.0005, 1), "0,1" NN "%");
    assert_string_equal(fr_pct(b, sizeof b, NAN, 1), "—");
}

static void test_dates(void **state)
{
    (void)state;
    char b[FR_BUF];
    assert_string_equal(fr_date(b, sizeof b, "2026-12-04"), "4 décembre 2026");
    assert_string_equal(fr_date(b, sizeof b, "2027-03-01"), "1er mars 2027");
    assert_string_equal(fr_date(b, sizeof b, "2026-08-15T10:00:00Z"), "15 août 2026");
    assert_string_equal(fr_date(b, sizeof b, "2026-13-01"), "2026-13-01");
    assert_string_equal(fr_date(b, sizeof b, "hier"), "hier");
    assert_string_equal(fr_date(b, sizeof b, NULL), "");
}

static void test_small_buffers(void **state)
{
    (void)state;
    char b[6];
    fr_num(b, sizeof b, 1234567.5, 1); /* truncated, terminated, never overrun (ASan watches) */
    assert_int_equal(b[sizeof b - 1], '\0');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_percentages),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_small_buffers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
