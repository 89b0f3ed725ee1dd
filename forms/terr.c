/* terr.c -- loading the territories of a town from territories.json or the ANCT list of QPV (see terr.h). */

/* realpath() is in POSIX's XSI part, which glibc declares only with _XOPEN_SOURCE (see outfile.c). */
#define _XOPEN_SOURCE 700

#include "terr.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "jcheck.h"
#include "util.h"

#define REST_CODE "hors_qpv"

bool terr_is_qpv_code(const char *code)
{
    if (strlen(code) != 8 || code[0] != 'Q')
        return false;
    if (code[1] == 'P') {
        for (int i = 2; i < 8; i++)
            if (!isdigit((unsigned char)code[i]))
                return false;
        return true;
    }
    if (code[1] != 'N')
        return false;
    for (int i = 2; i < 8; i++)
        if (!isdigit((unsigned char)code[i]) && !isupper((unsigned char)code[i]))
            return false;
    return true;
}

/* Checks one level of a population object: keys are answer codes, values either counts (last level) or the
 * next level's objects. Returns false after reporting. */
static bool check_population(jcheck *jc, const char *path, const json_t *pop, size_t depth)
{
    bool ok = true;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)pop, key, v) {
        char p[JC_PATH_MAX];
        jc_path_key(p, path, key);
        if (!jc_is_slug(key, 32, false)) {
            jc_error(jc, p, "code de réponse invalide « %s »", key);
            ok = false;
        } else if (depth > 1) {
            if (!json_is_object(v)) {
                jc_error(jc, p, "doit être un objet (effectifs par %s niveau suivant)", "le");
                ok = false;
            } else {
                ok &= check_population(jc, p, v, depth - 1);
            }
        } else if (!json_is_integer(v) || json_integer_value(v) < 0) {
            jc_error(jc, p, "un effectif doit être un entier positif ou nul");
            ok = false;
        }
    }
    return ok;
}

#define TERR_MAX_POINTS 200000 /* points of one outline */

/* A ring: at least four [longitude, latitude] positions. */
static bool check_ring(const json_t *ring, size_t *points)
{
    if (!json_is_array(ring) || json_array_size(ring) < 4)
        return false;
    size_t i;
    const json_t *pos;
    json_array_foreach(ring, i, pos) {
        const json_t *lon = json_array_get(pos, 0), *lat = json_array_get(pos, 1);
        if (!json_is_array(pos) || json_array_size(pos) < 2 || !json_is_number(lon) || !json_is_number(lat) ||
            fabs(json_number_value(lon)) > 180 || fabs(json_number_value(lat)) > 90 || ++*points > TERR_MAX_POINTS)
            return false;
    }
    return true;
}

static bool check_polygon(const json_t *poly, size_t *points)
{
    size_t i;
    const json_t *ring;
    if (!json_is_array(poly) || json_array_size(poly) == 0)
        return false;
    json_array_foreach(poly, i, ring) if (!check_ring(ring, points)) return false;
    return true;
}

/* A GeoJSON Polygon or MultiPolygon geometry in longitude and latitude. */
static bool check_outline(jcheck *jc, const char *path, const json_t *g)
{
    if (!json_is_object(g)) {
        jc_error(jc, path, "un contour est un objet GeoJSON (géométrie Polygon ou MultiPolygon)");
        return false;
    }
    const char *type = json_string_value(json_object_get(g, "type"));
    const json_t *coords = json_object_get(g, "coordinates");
    size_t points = 0, i;
    const json_t *poly;
    bool ok = false;
    if (type && strcmp(type, "Polygon") == 0)
        ok = check_polygon(coords, &points);
    else if (type && strcmp(type, "MultiPolygon") == 0 && json_is_array(coords) && json_array_size(coords) > 0) {
        ok = true;
        json_array_foreach(coords, i, poly) ok &= check_polygon(poly, &points);
    }
    if (!ok && points > TERR_MAX_POINTS)
        jc_error(jc, path, "contour trop détaillé : plus de %d points (simplifiez-le, par exemple avec mapshaper)",
                 TERR_MAX_POINTS);
    else if (!ok)
        jc_error(jc, path, "un contour est une géométrie GeoJSON Polygon ou MultiPolygon en [longitude, latitude] "
                 "WGS 84 (anneaux d'au moins 4 points) ; un fichier en Lambert-93 se convertit avec "
                 "« ogr2ogr -t_srs EPSG:4326 »");
    return ok;
}

/* Reads o.name into t: a non-empty string (the French name), or a map from language codes to non-empty names
 * (translations or transliterations) in which "fr" is required, since the report and the analyzer speak French.
 * Returns false after reporting. */
static bool load_name(jcheck *jc, const char *path, const json_t *o, terr *t)
{
    const json_t *v = json_object_get(o, "name");
    char p[JC_PATH_MAX];
    jc_path_key(p, path, "name");
    t->name = NULL;
    t->names = NULL;
    if (!json_is_object(v)) {
        if (v != NULL && !json_is_string(v)) {
            jc_error(jc, p, "le nom est un texte (« Les Tilleuls ») ou un objet par langue "
                     "({\"fr\": \"Les Tilleuls\", \"ar\": \"…\"})");
            return false;
        }
        t->name = jc_string(jc, path, o, "name", true);
        return t->name != NULL;
    }
    bool ok = true;
    const char *lang;
    json_t *text;
    json_object_foreach((json_t *)v, lang, text) {
        char q[JC_PATH_MAX];
        jc_path_key(q, p, lang);
        if (!util_is_lang_code(lang)) {
            jc_error(jc, q, "code de langue invalide « %s » : 2 ou 3 lettres minuscules (fr, ar, tr)", lang);
            ok = false;
        } else if (!json_is_string(text) || json_string_length(text) == 0) {
            jc_error(jc, q, "le nom en « %s » doit être un texte non vide", lang);
            ok = false;
        }
    }
    t->name = json_string_value(json_object_get(v, "fr"));
    if (t->name == NULL || *t->name == '\0') {
        if (json_object_get(v, "fr") == NULL)
            jc_error(jc, p, "le nom en français (« fr ») est obligatoire");
        t->name = NULL;
        return false;
    }
    t->names = v;
    return ok;
}

/* Reads "targets" of territory object o, {form id: non-negative integer}, into t (after "target", which is the
 * residents' target: both may be given only if they agree). Returns false after reporting. */
static bool load_targets(jcheck *jc, const char *path, const json_t *o, terr *t)
{
    const json_t *targets = jc_member(jc, path, o, "targets", JSON_OBJECT, false);
    if (targets == NULL)
        return true;
    char p[JC_PATH_MAX], q[JC_PATH_MAX];
    jc_path_key(p, path, "targets");
    bool ok = true;
    const char *id;
    const json_t *v;
    json_object_foreach((json_t *)targets, id, v) {
        jc_path_key(q, p, id);
        if (!jc_is_slug(id, 32, true)) {
            jc_error(jc, q, "« %s » n'est pas un identifiant de questionnaire (minuscules, chiffres, _ et -)", id);
            ok = false;
        } else if (!json_is_integer(v) || json_integer_value(v) < 0) {
            jc_error(jc, q, "l'objectif du questionnaire « %s » doit être un nombre entier positif ou nul", id);
            ok = false;
        }
    }
    const json_t *resident = json_object_get(targets, "resident");
    if (ok && resident && json_object_get(o, "target") && json_integer_value(resident) != t->target) {
        jc_error(jc, p, "« target » (%ld) et « targets.resident » (%lld) se contredisent : gardez-en un seul",
                 t->target, (long long)json_integer_value(resident));
        ok = false;
    }
    if (ok && resident)
        t->target = (long)json_integer_value(resident);
    t->targets = targets;
    return ok;
}

/* Reads one territory object into t; returns false after reporting. */
static bool load_one(jcheck *jc, const char *path, const json_t *o, size_t index, size_t depth, terr *t)
{
    static const char *const keys[] = {"code", "name", "kind", "insee_com", "paper", "population", "target",
                                       "targets", "outline", NULL};
    if (!json_is_object(o)) {
        jc_error(jc, path, "un territoire doit être un objet");
        return false;
    }
    bool ok = jc_only_keys(jc, path, o, keys);
    t->code = jc_string(jc, path, o, "code", true);
    ok &= load_name(jc, path, o, t);
    const char *kind = jc_string(jc, path, o, "kind", true);
    char p[JC_PATH_MAX];
    if (t->code == NULL || t->name == NULL || kind == NULL)
        return false;
    jc_path_key(p, path, "code");
    if (!terr_is_qpv_code(t->code) && !jc_is_slug(t->code, 32, true)) {
        jc_error(jc, p, "code « %s » : ni un code QPV (QN + 6 caractères), ni un identifiant en minuscules",
                 t->code);
        ok = false;
    }
    jc_path_key(p, path, "kind");
    if (strcmp(kind, "qpv") == 0)
        t->qpv = true;
    else if (strcmp(kind, "rest") != 0) {
        jc_error(jc, p, "« kind » vaut « qpv » ou « rest », pas « %s »", kind);
        ok = false;
    }
    if (t->qpv && !terr_is_qpv_code(t->code)) {
        jc_path_key(p, path, "code");
        jc_error(jc, p, "un territoire « qpv » doit avoir un code QPV (QN09301M), pas « %s »", t->code);
        ok = false;
    }
    json_t *paper = jc_member(jc, path, o, "paper", JSON_INTEGER, false);
    t->paper = paper ? (int)json_integer_value(paper) : (int)index + 1;
    if (paper && (json_integer_value(paper) < 0 || json_integer_value(paper) > 99)) {
        jc_path_key(p, path, "paper");
        jc_error(jc, p, "le numéro papier va de 0 à 99");
        ok = false;
    }
    json_t *target = jc_member(jc, path, o, "target", JSON_INTEGER, false);
    t->target = target ? (long)json_integer_value(target) : 0;
    if (target && t->target < 0) {
        jc_path_key(p, path, "target");
        jc_error(jc, p, "l'objectif doit être positif");
        ok = false;
    }
    ok &= load_targets(jc, path, o, t);
    json_t *insee = jc_member(jc, path, o, "insee_com", JSON_ARRAY, false);
    if (insee) {
        size_t i;
        json_t *c;
        json_array_foreach(insee, i, c) {
            if (!json_is_string(c) || json_string_length(c) != 5) {
                char q[JC_PATH_MAX];
                jc_path_key(p, path, "insee_com");
                jc_path_index(q, p, i);
                jc_error(jc, q, "un code commune INSEE a 5 caractères (93066, 2A004)");
                ok = false;
            }
        }
    }
    t->outline = jc_member(jc, path, o, "outline", JSON_OBJECT, false);
    if (t->outline) {
        jc_path_key(p, path, "outline");
        ok &= check_outline(jc, p, t->outline);
    }
    t->population = jc_member(jc, path, o, "population", JSON_OBJECT, false);
    if (t->population) {
        jc_path_key(p, path, "population");
        if (depth == 0) {
            jc_error(jc, p, "« population » demande « population_by » au niveau du fichier");
            ok = false;
        } else {
            ok &= check_population(jc, p, t->population, depth);
        }
    }
    return ok;
}

static bool load_outlines(jcheck *jc, terr_set *set, const char *file);

terr_set *terr_from_json(json_t *doc, const char *file, diag_list *diags)
{
    static const char *const keys[] = {"example", "note", "commune", "population_by", "outlines", "territories",
                                       NULL};
    jcheck jc = {diags, file};
    size_t errors_before = diags ? diags->errors : 0;
    terr_set *set = xcalloc(1, sizeof *set);
    set->doc = json_incref(doc);
    bool ok = true;

    if (!json_is_object(doc)) {
        jc_error(&jc, "$", "le fichier des territoires doit être un objet JSON");
        goto err;
    }
    ok &= jc_only_keys(&jc, "$", doc, keys);
    json_t *ex = jc_member(&jc, "$", doc, "example", JSON_TRUE, false);
    set->example = ex && json_is_true(ex);
    json_t *commune = jc_member(&jc, "$", doc, "commune", JSON_OBJECT, false);
    if (commune) {
        static const char *const ckeys[] = {"insee", "name", NULL};
        ok &= jc_only_keys(&jc, "$.commune", commune, ckeys);
        set->commune_insee = jc_string(&jc, "$.commune", commune, "insee", false);
        set->commune_name = jc_string(&jc, "$.commune", commune, "name", false);
    }
    json_t *by = jc_member(&jc, "$", doc, "population_by", JSON_ARRAY, false);
    if (by) {
        if (json_array_size(by) < 1 || json_array_size(by) > 2) {
            jc_error(&jc, "$.population_by", "une ou deux questions (par exemple [\"R02\", \"R03\"])");
            ok = false;
        } else {
            for (size_t i = 0; i < json_array_size(by); i++) {
                const char *q = json_string_value(json_array_get(by, i));
                if (q == NULL || !jc_is_ident(q, 32)) {
                    char p[JC_PATH_MAX];
                    jc_path_index(p, "$.population_by", i);
                    jc_error(&jc, p, "un identifiant de question est attendu");
                    ok = false;
                }
                set->population_by[i] = q;
            }
            set->population_depth = json_array_size(by);
        }
    }
    json_t *list = jc_member(&jc, "$", doc, "territories", JSON_ARRAY, true);
    if (list == NULL)
        goto err;
    if (json_array_size(list) == 0 || json_array_size(list) > TERR_MAX) {
        jc_error(&jc, "$.territories", "entre 1 et %d territoires", TERR_MAX);
        goto err;
    }
    set->count = json_array_size(list);
    set->items = xcalloc(set->count, sizeof *set->items);
    for (size_t i = 0; i < set->count; i++) {
        char p[JC_PATH_MAX];
        jc_path_index(p, "$.territories", i);
        if (!load_one(&jc, p, json_array_get(list, i), i, set->population_depth, &set->items[i])) {
            ok = false;
            continue;
        }
        for (size_t j = 0; j < i; j++) {
            if (set->items[j].code && strcmp(set->items[j].code, set->items[i].code) == 0) {
                jc_error(&jc, p, "code « %s » déjà utilisé par $.territories[%zu]", set->items[i].code, j);
                ok = false;
            }
            if (set->items[j].code && set->items[j].paper == set->items[i].paper) {
                jc_error(&jc, p, "numéro papier %d déjà utilisé par $.territories[%zu]", set->items[i].paper, j);
                ok = false;
            }
        }
    }
    if (ok && json_object_get(doc, "outlines"))
        ok &= load_outlines(&jc, set, file);
    if (!ok || (diags && diags->errors > errors_before))
        goto err;
    return set;
err:
    terr_free(set);
    return NULL;
}

/* ------------------------------------------------------------------ outlines file */

const char *const terr_code_properties[] = {"code", "code_qp", "CODE_QP", NULL};

/* The territory code of a feature's properties, or NULL. */
static const char *feature_code(const json_t *props)
{
    for (size_t i = 0; terr_code_properties[i]; i++) {
        const char *c = json_string_value(json_object_get(props, terr_code_properties[i]));
        if (c)
            return c;
    }
    return NULL;
}

/* The path of the outlines file: name itself when absolute, else beside the territories file — the real file,
 * so that a territories.json reached through a link (the staging folder of `collector forms import`, which
 * links the folder's files) still finds its outlines. */
static char *outlines_path(const char *file, const char *name)
{
    char *real = file ? realpath(file, NULL) : NULL;
    const char *base = real ? real : file;
    const char *slash = base ? strrchr(base, '/') : NULL;
    char *p;
    if (name[0] == '/' || slash == NULL) {
        p = xstrdup(name);
    } else {
        size_t dir = (size_t)(slash - base) + 1, len = dir + strlen(name) + 1;
        p = xmalloc(len);
        memcpy(p, base, dir);
        memcpy(p + dir, name, strlen(name) + 1);
    }
    free(real);
    return p;
}

/* Reads the FeatureCollection named by "outlines" and gives each territory without an inline "outline" the
 * geometry of its feature. Features of other territories are skipped (the national QPV file lists them all);
 * a territory may have no feature (then no outline). Errors name the outlines file and the feature's path.
 * Returns false after reporting. */
static bool load_outlines(jcheck *jc, terr_set *set, const char *file)
{
    const json_t *v = json_object_get(set->doc, "outlines");
    const char *name = json_string_value(v);
    if (name == NULL || *name == '\0' || strlen(name) > 1024) {
        jc_error(jc, "$.outlines", "le nom d'un fichier GeoJSON de contours est attendu (\"territories.geojson\")");
        return false;
    }
    char *path = outlines_path(file, name);
    bool ok = false;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        jc_error(jc, "$.outlines", "impossible d'ouvrir le fichier de contours « %s » : %s", path, strerror(errno));
        goto done;
    }
    long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    fclose(f);
    if (size < 0 || size > TERR_OUTLINES_MAX_BYTES) {
        jc_error(jc, "$.outlines", "fichier de contours « %s » illisible ou trop gros (%ld Mo au plus) : gardez les "
                 "seuls QPV de la commune", path, TERR_OUTLINES_MAX_BYTES >> 20);
        goto done;
    }
    set->outlines = jc_load_file(path, jc->diags);
    if (set->outlines == NULL)
        goto done;
    jcheck oj = {jc->diags, path};
    const json_t *features = json_object_get(set->outlines, "features");
    const char *type = json_string_value(json_object_get(set->outlines, "type"));
    if (type == NULL || strcmp(type, "FeatureCollection") != 0 || !json_is_array(features)) {
        jc_error(&oj, "$", "un fichier de contours est une FeatureCollection GeoJSON (« type » et « features »)");
        goto done;
    }
    if (json_array_size(features) > TERR_OUTLINES_MAX_FEATURES) {
        jc_error(&oj, "$.features", "plus de %d contours : gardez les seuls QPV de la commune",
                 TERR_OUTLINES_MAX_FEATURES);
        goto done;
    }
    ok = true;
    const json_t **seen = xcalloc(set->count, sizeof *seen);
    size_t i;
    const json_t *feat;
    json_array_foreach(features, i, feat) {
        char p[JC_PATH_MAX], q[JC_PATH_MAX];
        jc_path_index(p, "$.features", i);
        const char *code = feature_code(json_object_get(feat, "properties"));
        if (code == NULL) {
            jc_path_key(q, p, "properties");
            jc_error(&oj, q, "le code du territoire manque : propriété « code » (ou « code_qp » des fichiers "
                     "officiels)");
            ok = false;
            continue;
        }
        for (size_t t = 0; t < set->count; t++) {
            if (strcmp(set->items[t].code, code) != 0)
                continue;
            if (seen[t]) {
                jc_error(&oj, p, "deuxième contour pour le territoire « %s »", code);
                ok = false;
                break;
            }
            seen[t] = feat;
            jc_path_key(q, p, "geometry");
            if (!check_outline(&oj, q, json_object_get(feat, "geometry")))
                ok = false;
            else if (set->items[t].outline == NULL) /* an inline outline wins: it was written for this town */
                set->items[t].outline = json_object_get(feat, "geometry");
            break;
        }
    }
    free(seen);
done:
    free(path);
    return ok;
}

/* Splits an insee_com cell, which lists several communes for a QPV that spans them, into a JSON array. */
static json_t *split_communes(const char *cell)
{
    json_t *arr = json_array();
    const char *p = cell;
    while (*p) {
        while (*p && (*p == ',' || *p == ';' || *p == '|' || *p == ' '))
            p++;
        const char *start = p;
        while (*p && *p != ',' && *p != ';' && *p != '|' && *p != ' ')
            p++;
        if (p > start)
            json_array_append_new(arr, json_stringn(start, (size_t)(p - start)));
    }
    return arr;
}

static bool array_has_string(const json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
        if (strcmp(json_string_value(v), s) == 0)
            return true;
    return false;
}

terr_set *terr_load_anct_csv(const char *path, const char *insee, diag_list *diags)
{
    static const char *const cols[] = {"code_qp", "lib_qp", "insee_com", "lib_com"};
    terr_set *set = NULL;
    json_t *doc = NULL, *list = NULL;
    csv_reader *r = NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        diag_add(diags, false, path, "$", "impossible d'ouvrir le fichier : %s", strerror(errno));
        return NULL;
    }
    r = csv_open(f, 0);
    char **fields;
    size_t n;
    int idx[4] = {-1, -1, -1, -1};
    if (csv_next(r, &fields, &n) != 1) {
        diag_add(diags, false, path, "ligne 1", "en-tête absent ou illisible");
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < 4; c++)
            if (strcmp(fields[i], cols[c]) == 0)
                idx[c] = (int)i;
    for (int c = 0; c < 4; c++)
        if (idx[c] < 0) {
            diag_add(diags, false, path, "ligne 1", "colonne « %s » absente (attendu : code_qp, lib_qp, "
                     "insee_com, lib_com)", cols[c]);
            goto done;
        }
    doc = json_object();
    list = json_array();
    const char *commune_name = NULL;
    char *commune_name_copy = NULL;
    int rc;
    size_t errors = 0;
    while ((rc = csv_next(r, &fields, &n)) == 1) {
        char line[32];
        snprintf(line, sizeof line, "ligne %zu", csv_line(r));
        if (n < 4 || (size_t)idx[0] >= n || (size_t)idx[1] >= n || (size_t)idx[2] >= n || (size_t)idx[3] >= n) {
            diag_add(diags, false, path, line, "%zu colonnes, il en faut au moins 4", n);
            errors++;
            continue;
        }
        const char *code = fields[idx[0]];
        if (!terr_is_qpv_code(code)) {
            diag_add(diags, false, path, line, "code QPV invalide « %s »", code);
            errors++;
            continue;
        }
        json_t *communes = split_communes(fields[idx[2]]);
        if (insee && !array_has_string(communes, insee)) {
            json_decref(communes);
            continue;
        }
        if (insee && commune_name == NULL) {
            commune_name_copy = xstrdup(fields[idx[3]]);
            commune_name = commune_name_copy;
        }
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:o, s:I}", "code", code, "name", fields[idx[1]],
                                              "kind", "qpv", "insee_com", communes, "paper",
                                              (json_int_t)json_array_size(list) + 1));
        if (json_array_size(list) >= TERR_MAX) {
            diag_add(diags, false, path, line, "plus de %d QPV : filtrez par commune", TERR_MAX);
            errors++;
            break;
        }
    }
    if (rc < 0) {
        char line[32];
        snprintf(line, sizeof line, "ligne %zu", csv_line(r));
        diag_add(diags, false, path, line, "%s", csv_error(r));
        errors++;
    }
    if (errors == 0 && json_array_size(list) == 0) {
        diag_add(diags, false, path, "$", insee ? "aucun QPV pour la commune %s" : "aucun QPV dans le fichier%s",
                 insee ? insee : "");
        errors++;
    }
    if (errors == 0) {
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:i}", "code", REST_CODE, "name",
                                              "Reste de la commune", "kind", "rest", "paper", 99));
        json_object_set_new(doc, "territories", list);
        list = NULL;
        if (insee)
            json_object_set_new(doc, "commune", json_pack("{s:s, s:s}", "insee", insee, "name",
                                                           commune_name ? commune_name : ""));
        set = terr_from_json(doc, path, diags);
    }
    free(commune_name_copy);
done:
    json_decref(list);
    json_decref(doc);
    csv_close(r);
    fclose(f);
    return set;
}

terr_set *terr_load(const char *path, diag_list *diags)
{
    size_t len = strlen(path);
    if (len > 4 && strcmp(path + len - 4, ".csv") == 0)
        return terr_load_anct_csv(path, NULL, diags);
    json_t *doc = jc_load_file(path, diags);
    if (doc == NULL)
        return NULL;
    terr_set *set = terr_from_json(doc, path, diags);
    json_decref(doc);
    return set;
}

const char *terr_name(const terr *t, const char *lang)
{
    const char *s = t->names && lang ? json_string_value(json_object_get(t->names, lang)) : NULL;
    return s ? s : t->name;
}

long terr_target(const terr *t, const char *form_id)
{
    const json_t *v = t->targets ? json_object_get(t->targets, form_id) : NULL;
    if (v)
        return (long)json_integer_value(v);
    return strcmp(form_id, "resident") == 0 ? t->target : 0;
}

json_t *terr_names_json(const terr *t)
{
    return t->names ? json_deep_copy(t->names) : json_pack("{s:s}", "fr", t->name);
}

const terr *terr_find(const terr_set *set, const char *code)
{
    if (set == NULL)
        return NULL;
    for (size_t i = 0; i < set->count; i++)
        if (strcmp(set->items[i].code, code) == 0)
            return &set->items[i];
    return NULL;
}

long terr_population(const terr *t, const char *a, const char *b)
{
    if (t->population == NULL)
        return -1;
    const json_t *v = json_object_get(t->population, a);
    if (b != NULL)
        v = json_is_object(v) ? json_object_get(v, b) : NULL;
    return json_is_integer(v) ? (long)json_integer_value(v) : -1;
}

json_t *terr_to_json(const terr_set *set)
{
    return json_deep_copy(set->doc);
}

void terr_free(terr_set *set)
{
    if (set == NULL)
        return;
    json_decref(set->doc);
    json_decref(set->outlines);
    free(set->items);
    free(set);
}
