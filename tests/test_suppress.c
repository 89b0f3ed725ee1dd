/* test_suppress.c -- the minimum-count rule of the public counts (collector/api/suppress.c): numbered cases (the
 * audit's town, sums of small territories, ties, the bucket outside the territories file, nothing left to hide,
 * invalid arguments), then random tables checked against the property the rule promises: the total minus the
 * shown parts holds nobody or at least min_n.
 */
#include "testutil.h"

#include "suppress.h"

#define MAXP 8
#define S SUPPRESS_SHOW
#define P SUPPRESS_PRIMARY
#define C SUPPRESS_COMPLEMENTARY

typedef struct suppress_case {
    const char *what;
    long min_n;
    size_t count;
    long n[MAXP];
    long outside;
    int rc;
    suppress_status want[MAXP];
    bool total_hidden;
} suppress_case;

static const suppress_case cases[] = {
    /* 0 */ {"the audit: 12 in one territory, 1 in another", 11, 2, {12, 1}, 0, 0, {C, P}, false},
    /* 1 */ {"every part large", 11, 3, {12, 15, 30}, 0, 0, {S, S, S}, false},
    /* 2 */ {"empty territories are hidden, and isolate nobody", 11, 3, {12, 0, 0}, 0, 0, {S, P, P}, false},
    /* 3 */ {"small parts that add up to min_n", 11, 3, {20, 5, 6}, 0, 0, {S, P, P}, false},
    /* 4 */ {"two small parts under min_n together", 11, 3, {20, 3, 4}, 0, 0, {C, P, P}, false},
    /* 5 */ {"three small parts under min_n together", 11, 4, {40, 2, 3, 4}, 0, 0, {C, P, P, P}, false},
    /* 6 */ {"the smallest shown part goes", 11, 3, {30, 12, 2}, 0, 0, {S, C, P}, false},
    /* 7 */ {"ties go to the first in file order", 11, 3, {15, 15, 2}, 0, 0, {C, S, P}, false},
    /* 8 */ {"answers outside the territories file count as hidden", 11, 2, {12, 20}, 3, 0, {C, S}, false},
    /* 9 */ {"enough answers outside the file", 11, 1, {12}, 11, 0, {S}, false},
    /* 10 */ {"exactly min_n is shown, and may be hidden to protect", 11, 2, {11, 10}, 0, 0, {C, P}, false},
    /* 11 */ {"nothing left to hide: the total goes", 11, 2, {3, 4}, 0, 0, {P, P}, true},
    /* 12 */ {"no parts, few answers: the total goes", 11, 0, {0}, 5, 0, {S}, true},
    /* 13 */ {"no parts, nobody: a total of 0 is shown", 11, 0, {0}, 0, 0, {S}, false},
    /* 14 */ {"no parts, enough answers", 11, 0, {0}, 11, 0, {S}, false},
    /* 15 */ {"all hidden but together min_n or more: the total stays", 11, 3, {5, 6, 0}, 0, 0, {P, P, P}, false},
    /* 16 */ {"min_n 1: only empty parts are hidden", 1, 3, {0, 1, 2}, 0, 0, {P, S, S}, false},
    /* 17 */ {"min_n 0 is refused", 0, 1, {5}, 0, -1, {S}, false},
    /* 18 */ {"a negative count is refused", 11, 2, {12, -1}, 0, -1, {S}, false},
    /* 19 */ {"a negative outside is refused", 11, 1, {12}, -1, -1, {S}, false},
};

static void test_cases(void **state)
{
    (void)state;
    size_t failures = 0;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const suppress_case *c = &cases[i];
        suppress_status out[MAXP];
        bool total_hidden = false;
        int rc = suppress_parts(c->n, c->count, c->outside, c->min_n, out, &total_hidden);
        bool ok = rc == c->rc;
        if (ok && rc == 0) {
            ok = total_hidden == c->total_hidden;
            for (size_t k = 0; k < c->count; k++)
                ok = ok && out[k] == c->want[k];
        }
        if (!ok) {
            failures++;
            fprintf(stderr, "case %zu (%s): rc %d, total_hidden %d, statuses", i, c->what, rc, total_hidden);
            for (size_t k = 0; rc == 0 && k < c->count; k++)
                fprintf(stderr, " %d", (int)out[k]);
            fprintf(stderr, "\n");
        }
    }
    /* NULL arrays: fine with no parts, refused otherwise */
    bool th;
    assert_int_equal(suppress_parts(NULL, 0, 0, 11, NULL, &th), 0);
    assert_int_equal(suppress_parts(NULL, 1, 0, 11, NULL, &th), -1);
    long one = 1;
    assert_int_equal(suppress_parts(&one, 1, 0, 11, NULL, &th), -1);
    assert_int_equal(suppress_parts(&one, 1, 0, 11, (suppress_status[1]){S}, NULL), -1);
    assert_null(suppress_name(S));
    assert_string_equal(suppress_name(P), "primary");
    assert_string_equal(suppress_name(C), "complementary");
    assert_int_equal(failures, 0);
}

/* splitmix64, for reproducible random tables. */
static unsigned long long next_rand(unsigned long long *s)
{
    unsigned long long z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Random tables of 0 to 8 parts, counts mostly around min_n: after the rule, every part under min_n is hidden
 * as primary and no other part is; the total minus the shown parts holds nobody or at least min_n, or the
 * total is hidden (then it is under min_n and every part is hidden); at most one complementary part, and only
 * when it was needed; the same input gives the same output. */
static void test_random_tables(void **state)
{
    (void)state;
    unsigned long long seed = 20261123;
    for (int iter = 0; iter < 200000; iter++) {
        long min_n = 1 + (long)(next_rand(&seed) % 15);
        size_t count = (size_t)(next_rand(&seed) % (MAXP + 1));
        long n[MAXP], total = 0;
        for (size_t k = 0; k < count; k++) {
            n[k] = (long)(next_rand(&seed) % (unsigned long long)(2 * min_n + 2));
            total += n[k];
        }
        long outside = next_rand(&seed) % 3 == 0 ? (long)(next_rand(&seed) % (unsigned long long)(min_n + 2)) : 0;
        total += outside;
        suppress_status out[MAXP], again[MAXP];
        bool total_hidden, total_hidden2;
        assert_int_equal(suppress_parts(n, count, outside, min_n, out, &total_hidden), 0);
        assert_int_equal(suppress_parts(n, count, outside, min_n, again, &total_hidden2), 0);
        assert_int_equal(total_hidden, total_hidden2);
        long hidden = outside, primary_hidden = outside;
        int complementary = 0, shown = 0;
        for (size_t k = 0; k < count; k++) {
            assert_int_equal(out[k], again[k]);
            assert_int_equal(out[k] == P, n[k] < min_n);
            if (out[k] != S)
                hidden += n[k];
            if (out[k] == P)
                primary_hidden += n[k];
            complementary += out[k] == C;
            shown += out[k] == S;
        }
        if (total_hidden) {
            assert_int_equal(shown, 0);
            assert_true(total > 0 && total < min_n);
        } else {
            assert_true(hidden == 0 || hidden >= min_n);
        }
        assert_true(complementary <= 1);
        if (complementary == 1)
            assert_true(primary_hidden > 0 && primary_hidden < min_n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_random_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
