/* test_canon.c -- canon_scan (forms/canon.c) says yes only to text that json_dumps(JSON_COMPACT |
 * JSON_SORT_KEYS) writes back byte for byte: a table of numbered cases, then random documents (written by
 * jansson itself, and the same documents spoiled in the ways a client may send them: spaces, keys out of
 * order, escapes jansson does not write, numbers in other forms), each held to that rule, and the located
 * member held to its exact bytes.
 */
#include "testutil.h"

#include "canon.h"

/* The rule itself: when canon_scan says yes, json_dumps of the parsed text is the text. */
static void check_rule(const char *text, size_t len)
{
    json_error_t err;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
    if (doc == NULL)
        return; /* canon_scan is only called on what jansson accepted */
    canon_member at = {"answers", 0, 0};
    if (canon_scan(text, len, &at)) {
        char *dump = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
        assert_non_null(dump);
        if (strlen(dump) != len || memcmp(dump, text, len) != 0)
            fail_msg("canon_scan accepted %.*s, which jansson writes %s", (int)len, text, dump);
        const json_t *answers = json_object_get(doc, "answers");
        if (answers == NULL) {
            assert_int_equal(at.len, 0);
        } else {
            char *part = json_dumps(answers, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
            if (strlen(part) != at.len || memcmp(part, text + at.start, at.len) != 0)
                fail_msg("answers located at %zu+%zu in %.*s, not %s", at.start, at.len, (int)len, text, part);
            free(part);
        }
        free(dump);
    }
    json_decref(doc);
}

static void test_table(void **state)
{
    (void)state;
    static const struct {
        int n;
        const char *text;
        bool canonical;
    } cases[] = {
        {1, "{}", true},
        {2, "{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}", true},
        {3, "{\"b\":1,\"a\":2}", false},                 /* keys out of order */
        {4, "{\"a\": 1}", false},                        /* a space */
        {5, "{\"a\":1}\n", false},                       /* a trailing newline */
        {6, " {\"a\":1}", false},                        /* a leading space */
        {7, "{\"a\":1.5}", false},                       /* a real: never taken as canonical */
        {8, "{\"a\":1e3}", false},
        {9, "{\"a\":-0}", false},                        /* the integer 0, written 0 */
        {10, "{\"a\":-12}", true},
        {11, "{\"a\":\"\\/\"}", false},                  /* jansson writes '/' as it is */
        {12, "{\"a\":\"\\u0041\"}", false},              /* and 'A' too */
        {13, "{\"a\":\"\\u001F\"}", true},               /* a control character: \u00XX in capitals */
        {14, "{\"a\":\"\\u001f\"}", false},
        {15, "{\"a\":\"\\u000A\"}", false},              /* \n has a short form */
        {16, "{\"a\":\"\\n\\t\\r\\b\\f\\\"\\\\\"}", true},
        {17, "{\"a\":\"é ☃ 𝄞\"}", true},                 /* UTF-8 is written raw */
        {18, "{\"a\":\"\\u00e9\"}", false},
        {19, "{\"a\\u0062\":1}", false},                 /* an escaped key: not worth ordering */
        {20, "{\"a\":1,\"aa\":2,\"b\":3}", true},        /* a prefix sorts first */
        {21, "{\"aa\":1,\"a\":2}", false},
        {22, "{\"B\":1,\"a\":2}", true},                 /* byte order: capitals first */
        {23, "{\"é\":1,\"z\":2}", false},                /* and UTF-8 after ASCII */
        {24, "{\"z\":1,\"é\":2}", true},
        {25, "[1,2]", false},                            /* not an object */
        {26, "{\"a\":[]}", true},
        {27, "{\"a\":[ ]}", false},
        {28, "{\"a\":{},\"b\":[{}]}", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = strlen(cases[i].text);
        if (canon_scan(cases[i].text, len, NULL) != cases[i].canonical)
            fail_msg("case %d: %s: expected %s", cases[i].n, cases[i].text, cases[i].canonical ? "yes" : "no");
        check_rule(cases[i].text, len);
    }
}

/* The located member: its value's exact bytes, and none when the top level has no such member (a nested
 * member of that name does not count). */
static void test_member(void **state)
{
    (void)state;
    const char *text = "{\"a\":{\"answers\":1},\"answers\":{\"R01\":\"x\",\"R02\":[\"a\",\"b\"]},\"uuid\":\"u\"}";
    canon_member at = {"answers", 0, 0};
    assert_true(canon_scan(text, strlen(text), &at));
    assert_int_equal(at.len, strlen("{\"R01\":\"x\",\"R02\":[\"a\",\"b\"]}"));
    assert_memory_equal(text + at.start, "{\"R01\":\"x\",\"R02\":[\"a\",\"b\"]}", at.len);
    const char *none = "{\"a\":{\"answers\":1}}";
    assert_true(canon_scan(none, strlen(none), &at));
    assert_int_equal(at.len, 0);
}

/* ---- random documents -------------------------------------------------------------------------------------- */

static unsigned long long seed = 0x9e3779b97f4a7c15ULL;

static unsigned rnd(unsigned n)
{
    seed ^= seed >> 12;
    seed ^= seed << 25;
    seed ^= seed >> 27;
    return (unsigned)((seed * 2685821657736338717ULL) >> 33) % n;
}

/* A short string drawn from characters that jansson writes in every way it can: plain, escaped, \u00XX,
 * multibyte UTF-8. */
static void random_string(char *out, size_t cap)
{
    static const char *const pieces[] = {"a", "b", "Z", "0", "_", "-", " ", "/", "\"", "\\", "\n", "\t", "\r", "\b",
                                         "\f", "\x01", "\x1f", "\x7f", "é", "☃", "𝄞", "R01", "oui"};
    size_t n = rnd(6), used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const char *p = pieces[rnd(sizeof pieces / sizeof pieces[0])];
        if (used + strlen(p) + 1 > cap)
            break;
        memcpy(out + used, p, strlen(p) + 1);
        used += strlen(p);
    }
}

static json_t *random_value(int depth)
{
    char s[64];
    switch (rnd(depth > 3 ? 6 : 8)) {
    case 0: return json_integer((json_int_t)rnd(2000) - 1000);
    case 1: return rnd(4) ? json_integer((json_int_t)rnd(10)) : json_real((double)rnd(100) / 8.0);
    case 2: return rnd(2) ? json_true() : json_false();
    case 3: return json_null();
    case 4:
    case 5: random_string(s, sizeof s); return json_string(s);
    case 6: {
        json_t *a = json_array();
        for (unsigned i = rnd(4); i > 0; i--)
            json_array_append_new(a, random_value(depth + 1));
        return a;
    }
    default: {
        json_t *o = json_object();
        for (unsigned i = rnd(5); i > 0; i--) {
            random_string(s, sizeof s);
            json_object_set_new(o, s, random_value(depth + 1));
        }
        return o;
    }
    }
}

/* Spoils text in place of one byte or by one insertion, in a way a client might: returns a new string. */
static char *spoil(const char *text)
{
    size_t len = strlen(text), at = rnd((unsigned)len + 1);
    static const char *const inserts[] = {" ", "\n", "\\/", "\\u0041", "-0", "0.5", "1e2", ",\"zz\":1", ",\"A\":1"};
    const char *ins = inserts[rnd(sizeof inserts / sizeof inserts[0])];
    char *out = malloc(len + strlen(ins) + 1);
    memcpy(out, text, at);
    memcpy(out + at, ins, strlen(ins));
    memcpy(out + at + strlen(ins), text + at, len - at + 1);
    return out;
}

static void test_random(void **state)
{
    (void)state;
    size_t accepted = 0, dumped_with_reals = 0;
    for (int i = 0; i < 20000; i++) {
        json_t *doc = json_object();
        for (unsigned k = rnd(6); k > 0; k--) {
            char key[64];
            random_string(key, sizeof key);
            json_object_set_new(doc, rnd(4) ? key : "answers", random_value(1));
        }
        /* As jansson writes it: canonical unless it holds a real or a key that needs an escape. */
        char *canon = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
        bool yes = canon_scan(canon, strlen(canon), NULL);
        accepted += yes;
        dumped_with_reals += !yes;
        check_rule(canon, strlen(canon));
        /* In insertion order, indented, and spoiled: the rule must hold whatever the scan says. */
        char *unsorted = json_dumps(doc, JSON_COMPACT);
        char *indented = json_dumps(doc, JSON_INDENT(1) | JSON_SORT_KEYS);
        char *spoiled = spoil(canon);
        check_rule(unsorted, strlen(unsorted));
        check_rule(indented, strlen(indented));
        check_rule(spoiled, strlen(spoiled));
        free(canon);
        free(unsorted);
        free(indented);
        free(spoiled);
        json_decref(doc);
    }
    /* Most of what jansson writes is recognised (the rest holds reals or escaped keys). */
    if (accepted < 20000 / 4)
        fail_msg("only %zu of 20000 documents written by jansson were recognised", accepted);
    (void)dumped_with_reals;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_member),
        cmocka_unit_test(test_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
