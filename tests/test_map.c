/* test_map.c -- the report's maps and charts (analyzer/publish/map.h, chart.h): the Lambert-93 projection against
 * IGN's published values, quantile and Jenks classes (Jenks against an exhaustive search), the choropleth's legend
 * and hatches, and the charts' label measure (no label clipped, long ones wrapped). */
#include "testutil.h"

#include <math.h>

#include "chart.h"
#include "frfmt.h"
#include "map.h"

/* IGN, NT/G 71 "Projection cartographique conique conforme de Lambert": the test values of its algorithms. */
static void test_isometric_latitude(void **state)
{
    (void)state;
    /* ALG0001 */
    assert_float_equal(map_isometric_latitude(0.87266462600, 0.08199188998), 1.00552653649, 1e-10);
    assert_float_equal(map_isometric_latitude(-0.30000000000, 0.08199188998), -0.30261690063, 1e-10);
    assert_float_equal(map_isometric_latitude(0.19998903370, 0.08199188998), 0.20000000000, 1e-10);
}

static void test_lcc(void **state)
{
    (void)state;
    /* ALG0003: Lambert I on the Clarke 1880 ellipsoid, around the Paris meridian */
    double x, y;
    map_lcc(0.145512099, 0.872664626, 0.0824832568, 0.760405966, 11603796.9767, 0.04079234433, 600000.0,
            5657616.674, &x, &y);
    assert_float_equal(x, 1029705.083, 0.01);
    assert_float_equal(y, 272723.849, 0.01);
}

static void test_lambert93(void **state)
{
    (void)state;
    /* the constants IGN publishes for Lambert-93 (RGF93, GRS80), found again from the projection's definition */
    double n, c, ys;
    map_lambert93_constants(&n, &c, &ys);
    assert_float_equal(n, 0.7256077650532670, 1e-12);
    assert_float_equal(c, 11754255.426096, 1e-3);
    assert_float_equal(ys, 12655612.049876, 1e-3);
    /* the origin, 3° E 46.5° N, is the false easting and northing */
    double x, y;
    map_lambert93(3, 46.5, &x, &y);
    assert_float_equal(x, 700000, 1e-3);
    assert_float_equal(y, 6600000, 1e-3);
    /* west of the central meridian is west of 700 km, north of the origin north of 6 600 km; Paris about 652 km,
     * 6 862 km (the order of magnitude every French GIS user knows) */
    map_lambert93(2.3522, 48.8566, &x, &y);
    assert_true(fabs(x - 652000) < 1500 && fabs(y - 6862000) < 1500);
}

static void test_quantiles(void **state)
{
    (void)state;
    map_classes c;
    double v[] = {0.5, 0.1, 0.3, 0.2, 0.4, 0.7, 0.6, 0.9, 0.8, 1.0};
    assert_int_equal(map_classify(v, 10, 5, MAP_QUANTILES, &c), 0);
    assert_int_equal(c.k, 5);
    for (size_t j = 0; j < 5; j++) { /* two values a class, in order */
        assert_float_equal(c.lo[j], 0.1 + 0.2 * (double)j, 1e-12);
        assert_float_equal(c.hi[j], 0.2 + 0.2 * (double)j, 1e-12);
    }
    assert_int_equal(map_class_of(&c, 0.1), 0);
    assert_int_equal(map_class_of(&c, 0.25), 1);
    assert_int_equal(map_class_of(&c, 1.0), 4);
    /* equal values are never split between classes; fewer distinct values, fewer classes */
    double t[] = {1, 1, 1, 1, 2, 3};
    assert_int_equal(map_classify(t, 6, 3, MAP_QUANTILES, &c), 0);
    for (size_t j = 0; j < c.k; j++)
        assert_true(j == 0 || c.lo[j] > c.hi[j - 1]);
    assert_float_equal(c.hi[0], 1, 0);
    double two[] = {3, 3, 5};
    assert_int_equal(map_classify(two, 3, 5, MAP_QUANTILES, &c), 0);
    assert_int_equal(c.k, 2);
    assert_int_equal(map_classify(two, 0, 5, MAP_QUANTILES, &c), -1);
    assert_int_equal(map_classify(two, 3, 6, MAP_QUANTILES, &c), -1);
}

/* The least within-class sum of squares over every way of cutting the sorted values s into k classes. */
static double best_sdcm(const double *s, size_t n, size_t k, size_t first, double acc)
{
    if (k == 1) {
        double m = 0, d = 0;
        for (size_t i = first; i < n; i++)
            m += s[i] / (double)(n - first);
        for (size_t i = first; i < n; i++)
            d += (s[i] - m) * (s[i] - m);
        return acc + d;
    }
    double best = INFINITY;
    for (size_t end = first + 1; end + k - 1 <= n; end++) { /* the first class is s[first..end) */
        double m = 0, d = 0;
        for (size_t i = first; i < end; i++)
            m += s[i] / (double)(end - first);
        for (size_t i = first; i < end; i++)
            d += (s[i] - m) * (s[i] - m);
        best = fmin(best, best_sdcm(s, n, k - 1, end, acc + d));
    }
    return best;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void test_jenks(void **state)
{
    (void)state;
    map_classes c;
    /* three obvious groups */
    double v[] = {20, 1, 11, 2, 21, 3, 10, 22, 12};
    assert_int_equal(map_classify(v, 9, 3, MAP_JENKS, &c), 0);
    assert_int_equal(c.k, 3);
    assert_float_equal(c.lo[0], 1, 0);
    assert_float_equal(c.hi[0], 3, 0);
    assert_float_equal(c.lo[1], 10, 0);
    assert_float_equal(c.hi[1], 12, 0);
    assert_float_equal(c.lo[2], 20, 0);
    assert_float_equal(c.hi[2], 22, 0);
    /* a skewed series where quantiles and natural breaks differ: one outlier gets its own class */
    double w[] = {0.10, 0.11, 0.12, 0.13, 0.14, 0.15, 0.16, 0.60};
    assert_int_equal(map_classify(w, 8, 2, MAP_JENKS, &c), 0);
    assert_float_equal(c.hi[0], 0.16, 1e-12);
    assert_float_equal(c.lo[1], 0.60, 1e-12);
    /* on pseudo-random series, the optimum of an exhaustive search */
    unsigned seed = 12345;
    for (int round = 0; round < 40; round++) {
        size_t n = 5 + (size_t)(round % 8), k = 2 + (size_t)(round % 4);
        double s[16];
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            s[i] = (double)((seed >> 8) % 1000) / 1000.0;
        }
        assert_int_equal(map_classify(s, n, k, MAP_JENKS, &c), 0);
        qsort(s, n, sizeof *s, cmp);
        assert_float_equal(map_sdcm(s, n, &c), best_sdcm(s, n, c.k, 0, 0), 1e-9);
        /* and never worse than the quantiles */
        map_classes q;
        map_classify(s, n, k, MAP_QUANTILES, &q);
        assert_true(map_sdcm(s, n, &c) <= map_sdcm(s, n, &q) + 1e-12);
    }
}

static void test_choropleth(void **state)
{
    (void)state;
    json_t *sq1 = tu_json("{\"type\": \"Polygon\", \"coordinates\": [[[2.40, 48.90], [2.41, 48.90], [2.41, 48.91], "
                          "[2.40, 48.91], [2.40, 48.90]]]}");
    json_t *sq2 = tu_json("{\"type\": \"Polygon\", \"coordinates\": [[[2.41, 48.90], [2.42, 48.90], [2.42, 48.91], "
                          "[2.41, 48.91], [2.41, 48.90]]]}");
    json_t *sq3 = tu_json("{\"type\": \"MultiPolygon\", \"coordinates\": [[[[2.42, 48.90], [2.43, 48.90], [2.43, "
                          "48.91], [2.42, 48.90]]]]}");
    map_area areas[] = {
        {"Les Tilleuls", sq1, true, 0.123, false, false},
        {"La Roseraie", sq2, true, 0.180, true, false},
        {"Le Val Fleuri", sq3, false, 0, false, false},
        {"Sans contour", NULL, true, 0.5, false, false},
    };
    char *svg = map_choropleth("Carte", "m1", areas, 4, MAP_QUANTILES, true);
    assert_non_null(svg);
    assert_non_null(strstr(svg, "viewBox=\"0 0 640 "));
    assert_non_null(strstr(svg, "12,3" FR_NNBSP "%")); /* French numbers, in the legend and the labels */
    assert_non_null(strstr(svg, "18,0" FR_NNBSP "%"));
    assert_null(strstr(svg, "0.123"));
    assert_non_null(strstr(svg, "non publié"));
    assert_non_null(strstr(svg, "imprécis"));
    assert_non_null(strstr(svg, "url(#m1-np)"));  /* the unpublished area hatched */
    assert_non_null(strstr(svg, "url(#m1-imp)")); /* the imprecise one hatched over its colour */
    assert_null(strstr(svg, "Sans contour"));
    assert_non_null(strstr(svg, "fill=\"#ffffff\"")); /* a white background */
    free(svg);
    /* one class of several values: "de … à …" */
    map_area two[] = {{"A", sq1, true, 0.1, false, false}, {"B", sq2, true, 0.1, false, false},
                      {"C", sq3, true, 0.2, false, false}};
    svg = map_choropleth("Carte", "m2", two, 3, MAP_JENKS, true);
    assert_non_null(strstr(svg, "seuils naturels"));
    free(svg);
    /* the rest of the town: grey, its value written, outside the classes; five neighbourhoods make two classes
     * (one per territory would show ranks, not groups) */
    map_area town[] = {{"A", sq1, true, 0.10, false, false}, {"B", sq2, true, 0.12, false, false},
                       {"C", sq3, true, 0.20, false, false}, {"D", sq1, true, 0.22, false, false},
                       {"E", sq2, true, 0.30, false, false}, {"Reste", sq3, true, 0.90, false, true}};
    svg = map_choropleth("Carte", "m4", town, 6, MAP_QUANTILES, true);
    assert_non_null(svg);
    assert_non_null(strstr(svg, "fill=\"#d9d9d9\""));
    assert_non_null(strstr(svg, "référence : 90,0" FR_NNBSP "%"));
    assert_null(strstr(svg, "à 90,0")); /* the reference bounds no class */
    size_t classes = 0;
    for (const char *p = svg; (p = strstr(p, ">de ")) != NULL; p++)
        classes++;
    assert_int_equal(classes, 2);
    free(svg);
    map_area none[] = {{"A", NULL, true, 0.1, false, false}};
    assert_null(map_choropleth("Carte", "m3", none, 1, MAP_QUANTILES, true));
    json_decref(sq1);
    json_decref(sq2);
    json_decref(sq3);
}

/* The viewBox width and every text's x of an SVG chart, to check that right-aligned labels stay inside. */
static void test_chart_labels(void **state)
{
    (void)state;
    /* the measure follows the font: wide letters are wider, and the estimate is not below DejaVu's advance */
    assert_true(chart_text_width("MMMM", 11, false) > chart_text_width("iiii", 11, false) * 3);
    assert_true(chart_text_width("Les Tilleuls", 11, true) > chart_text_width("Les Tilleuls", 11, false));
    assert_float_equal(chart_text_width("0", 2048, false), 1303 * 1.06, 1);
    assert_float_equal(chart_text_width("é", 2048, false), 1260 * 1.06, 1);
    const char *longest = "Un libellé de territoire très long qui ne tiendrait jamais dans la colonne des libellés";
    chart_row rows[] = {
        {"Les Tilleuls", true, NULL, 0.3, 0.2, 0.4, true, false},
        {longest, true, NULL, 0.5, 0.4, 0.6, true, false},
        {"Reste de la commune", true, NULL, 0.2, 0.15, 0.25, true, true},
        {"Le Val Fleuri", false, "secret statistique", 0, 0, 0, false, false},
    };
    char *svg = chart_intervals("Titre", rows, 4, 1, true);
    assert_non_null(svg);
    assert_non_null(strstr(svg, "width=\"100%\""));
    assert_non_null(strstr(svg, "font-family=\"DejaVu Sans, Arial, sans-serif\""));
    assert_non_null(strstr(svg, "<tspan")); /* the long label wraps */
    assert_non_null(strstr(svg, "<title>Un libellé")); /* and keeps its whole text */
    assert_non_null(strstr(svg, "50" FR_NNBSP "%"));
    free(svg);

    /* ranked dots: largest first, the unshown last */
    svg = chart_dots("Rang", rows, 4, 1, true);
    const char *a = strstr(svg, ">Un libellé"), *b = strstr(svg, ">Les Tilleuls<"), *r = strstr(svg, ">Reste de"),
               *v = strstr(svg, ">Le Val Fleuri<");
    assert_true(a && b && r && v && a < b && b < r && r < v);
    assert_non_null(strstr(svg, "chart-dots"));
    free(svg);

    chart_bar bars[] = {{"Logement", true, 0.272, NULL}, {"Droits, Sécu, mutuelle", true, 0.443, NULL},
                        {"Autre chose", false, 0, "secret statistique"}};
    svg = chart_bars("Priorités", bars, 3);
    assert_non_null(svg);
    assert_true(strstr(svg, ">Droits, Sécu") < strstr(svg, ">Logement<"));
    assert_non_null(strstr(svg, "44,3" FR_NNBSP "%"));
    assert_non_null(strstr(svg, "secret statistique"));
    free(svg);
    chart_bar hidden[] = {{"Logement", false, 0, "secret statistique"}};
    assert_null(chart_bars("Priorités", hidden, 1));
    assert_null(chart_dots("Rien", rows, 0, 1, true));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_isometric_latitude), cmocka_unit_test(test_lcc),
        cmocka_unit_test(test_lambert93),          cmocka_unit_test(test_quantiles),
        cmocka_unit_test(test_jenks),              cmocka_unit_test(test_choropleth),
        cmocka_unit_test(test_chart_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
