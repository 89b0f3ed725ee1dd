/* uistr.c -- loading and checking the pages' strings file, forms/pages.json, and cutting out what one page
 * needs. Exports uistr_load, uistr_check, uistr_page and uistr_fr (see uistr.h). */
#include "uistr.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jcheck.h"
#include "util.h"

#define UISTR_MAX_TEXT 4000 /* bytes of one text: the longest, the RGPD-like help of the entry page, is < 600 */

/* The keys each page's script reads (t('key') in collector/pages/app.js, print.js, entry.js). A key added to a
 * script is added here, and to French in forms/pages.json. */
static const char *const form_keys[] = {
    "next", "back", "start", "send", "listen", "stop", "lang", "chooseLang", "step", "pending1", "pendingN",
    "reviewTitle", "review", "thanks", "sent", "saved", "again", "rejected", "error", "number", "fixErrors",
    "optional", "resume", "required", "choice", "maxChoices", "range", "min", "max", "dateRange", "tooLong",
    "exclusive", "invalid", "loading", "noscript", "rowOf", "rowPrev", "rowNext", "fixOne", "fixN", "savedMine",
    "mine", "mineEmpty", "mineHelp", "mineClear", "mineClearSure", "stSent", "stPending", "stRejected", "close",
    "ackLive", "notifyMe", NULL};

static const char *const print_keys[] = {
    "paper", "version", "sheet", "sheetNote", "page", "of", "thanks", "multiple", "multipleMax", "one",
    "gridOne", "tick", "day", "month", "year", "number", "between", "atLeast", "atMost", "from", "to", "today",
    "maxChars", "cond", "onlyIf", "section", "sectionOnlyIf", "skip", "end", "skipNotTicked", "skipNotTickedEnd",
    "skipNone", "skipNoneEnd", "atQ", "atRow", "eq", "neq", "sel", "any", "none", "some", "answerOf", "countOf",
    "thisAnswer", "lengthOf", "not", "always", "never", "and", "or", "list", "lastOr", "q", "print", "tip",
    "error", "loading", "noscript", NULL};

static const char *const entry_keys[] = {
    "title", "error", "loading", "noscript", "badSheet", "notChoice", "twice", "badInteger", "badNumber",
    "badDate", "expired", "noServer", "token", "tokenHelp", "signin", "noToken", "checking", "signedIn",
    "tokenRefused", "tokenForbidden", "signinFailed", "unexpected", "serverDown", "formMeta", "whichForm",
    "whichFormHelp", "chosen", "stSingle", "stAwaiting", "stVerified", "stDiscrepant", "stReconciled",
    "entryTitle", "entryHelp", "save", "history", "sheet", "hintMulti", "hintMultiMax", "hintDate",
    "hintInteger", "hintNumber", "hintText", "hintSheet", "skipped", "sheetRequired", "notSaved", "sending",
    "stSaved", "savedLine", "savedAgain", "labelRow", "labelQ", "sheetComplete", "sameOperator", "ownEntry",
    "uuidConflict", "forbidden", "busy", "refused", "toFix", "toFixOther", "sheetNo", "ownOne", "ownMany",
    "ownWhy", "recTitle", "recHelp", "recLoading", "recCount", "recNone", "recNoneYou", "noAnswer", "noReason",
    "reason", "opt1", "opt2", "opt3", "recSheet", "recWho", "recSave", "recNoEntries", "recUndecided",
    "recInconsistent", "recSending", "recDone", "recDoneLine", "refused422", "recEmpty", "recBad",
    "recUnknownField", "recOther", "signedOut", "noForms", "menu", "menuEntry", "menuReconcile", "menuForms",
    "signout", "sheetLang", "mineTitle", "mineNone", "mineLine",
    NULL};

/* The console (admin.js), the one-time link's landing page (signin.js) and the residents' link page (home.js). */
static const char *const admin_keys[] = {
    "title", "loading", "noscript", "error", "expired", "noServer", "refused", "signinIntro", "token", "tokenHelp",
    "signin", "noToken", "checking", "mediatorHere", "mediatorSession", "signedIn", "tokenRefused", "signedOut",
    "signout", "who", "menu", "readOnly", "testBanner", "secProgress", "secPeople", "secLinks", "secPaper",
    "secForms", "secData", "secAudit", "roleMediator", "roleAnalyst", "roleAdmin", "roleOther", "progApart",
    "ofTarget", "noTarget", "noTerritory", "byTerritory", "byTerritoryOf", "byChannel", "byChannelOf", "byLanguage",
    "byLanguageOf", "byDay", "byMediator", "noDays", "dayChart", "dayMax", "dayRange", "noMediators", "colTerritory",
    "colAnswers", "colTarget", "colPct", "colBar", "colChannel", "colLanguage", "colName", "colTyped", "colSecond",
    "colDisagree", "colRate", "ch_web", "ch_mediator", "ch_paper", "peopleList", "noPeople", "colId", "colRole",
    "colCreated", "colState", "colActions", "active", "revokedAt", "revoke", "revokeWho", "newLink", "newLinkWho",
    "confirmRevoke", "revoked", "createTitle", "createHelp", "personName", "personRole", "nameRequired", "create",
    "sending", "created", "createdTitle", "linkTitle", "secretOnce", "secretLabel", "linkHelp", "linkLabel", "qrAlt",
    "hide", "linkMade", "linksHelp", "noLinks", "posterLangs", "posterLangsChosen", "posterNoLang", "posterOf",
    "poster", "newTab", "linksOf", "colLink", "colPoster", "paperHelp", "toEntry", "whoTyped", "tokenNo",
    "st_single", "st_awaiting_second", "st_verified", "st_discrepant", "st_reconciled", "doubleRate",
    "awaitingTitle", "noneWaiting", "discTitle", "noneDisc", "discOf", "colSheet", "colDiffs", "colEntry1",
    "colEntry2", "typedByYou", "uploadTitle", "uploadHelp", "xlsxLabel", "check", "noFile", "dryOk", "published",
    "warnings", "changes", "publish", "confirmPublish", "versionsOf", "colVersion", "colTitle", "colCounted",
    "colFirst", "colXlsx", "current", "inFolder", "archived", "download", "downloadOf", "findTitle", "uuidLabel",
    "uuidHelp", "uuidRequired", "find", "subTitle", "facts", "fUuid", "fForm", "fVersion", "fChannel", "fLang",
    "fTerritory", "fReceived", "fStatus", "fExcluded", "fPaper", "excludedWhy", "paperFact", "sub_counted",
    "sub_excluded", "sub_test", "sub_not_counted", "answers", "answersEdit", "colQuestion", "colValue",
    "correctHelp", "addQ", "addV", "reasonCorrect", "correct", "noChange", "reasonRequired", "correctedN", "history",
    "noHistory", "histBy", "histWhy", "stewardTitle", "reasonSteward", "exclude", "include", "delete",
    "confirmDelete", "deleted", "excludedDone", "includedDone", "erasureTitle", "erasureHelp", "receiptLabel",
    "erasureReason", "erasureDefault", "erase", "receiptRequired", "confirmErase", "erased", "campaignTitle",
    "testOn", "testOff", "campaignCounts", "testHelp", "testStart", "testStop", "confirmTestOn", "confirmTestOff",
    "purge", "confirmPurge", "purged", "auditTitle", "auditCount", "auditCsv", "noAudit", "colWhen", "colWho",
    "colAction", "colObject", "colReason", "colDetail", "act_signin", "act_signout", "act_token_create",
    "act_token_revoke", "act_signin_link", "act_correct", "act_exclude", "act_include", "act_erase", "act_export",
    "act_form_export", "act_form_publish", "act_test_mode", "act_purge_tests", NULL};
static const char *const signin_keys[] = {"title", "loading", "noscript", "noLink", "signingIn", "signedIn",
                                          "goEntry", "goAdmin", "linkUsed", "tooMany", "failed", "noServer", NULL};
static const char *const home_keys[] = {"title", "loading", "noscript", "intro", "language", "forms", "empty",
                                        "answerIn", "staff", NULL};
/* The A4 campaign poster (pages/poster.c): one sentence of each chosen language, server-rendered. */
static const char *const poster_keys[] = {"call", "scan", "address", "rgpd", "territory", NULL};

typedef struct page_keys {
    const char *page;
    const char *const *keys;
    bool residents; /* shown to residents in their language; false: the mediators' page, in French only */
} page_keys;

static const page_keys pages[] = {
    {"form", form_keys, true},
    {"print", print_keys, true},
    {"entry", entry_keys, false},
    {"admin", admin_keys, false},
    {"signin", signin_keys, false},
    {"home", home_keys, true},
    {"poster", poster_keys, true},
};
#define NPAGES (sizeof pages / sizeof *pages)

static const page_keys *find_page(const char *page)
{
    for (size_t i = 0; i < NPAGES; i++)
        if (strcmp(pages[i].page, page) == 0)
            return &pages[i];
    return NULL;
}

static bool known_key(const page_keys *p, const char *key)
{
    for (const char *const *k = p->keys; *k; k++)
        if (strcmp(*k, key) == 0)
            return true;
    return false;
}

/* The placeholders of s ("{n}", "{at}"…: a brace, letters, a brace), sorted and without repeats, joined by
 * spaces into out ("" when none). Text in braces that is not only letters is not a placeholder. */
static void placeholders(const char *s, char *out, size_t outlen)
{
    char found[16][24];
    size_t n = 0;
    for (const char *p = s; (p = strchr(p, '{')) != NULL; p++) {
        size_t len = strspn(p + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
        if (len == 0 || len >= sizeof found[0] || p[1 + len] != '}')
            continue;
        char name[24];
        memcpy(name, p + 1, len);
        name[len] = '\0';
        size_t at = 0;
        while (at < n && strcmp(found[at], name) < 0)
            at++;
        if ((at < n && strcmp(found[at], name) == 0) || n == sizeof found / sizeof *found)
            continue;
        memmove(found[at + 1], found[at], (n - at) * sizeof found[0]);
        memcpy(found[at], name, len + 1);
        n++;
    }
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        snprintf(out + strlen(out), outlen - strlen(out), "%s{%s}", i ? " " : "", found[i]);
}

/* Checks $.languages; returns false after reporting. */
static bool check_languages(jcheck *jc, const json_t *langs)
{
    static const char *const keys[] = {"name", "dir", "speech", NULL};
    bool ok = true;
    const char *lang;
    json_t *v;
    json_object_foreach((json_t *)langs, lang, v) {
        char p[JC_PATH_MAX];
        jc_path_key(p, "$.languages", lang);
        if (!util_is_lang_code(lang)) {
            jc_error(jc, p, "code de langue invalide « %s » : 2 ou 3 lettres minuscules (fr, ar, tr)", lang);
            ok = false;
            continue;
        }
        if (!json_is_object(v)) {
            jc_error(jc, p, "une langue est un objet {\"name\": \"Español\", \"dir\": \"ltr\"}");
            ok = false;
            continue;
        }
        ok &= jc_only_keys(jc, p, v, keys);
        ok &= jc_string(jc, p, v, "name", true) != NULL;
        const char *dir = jc_string(jc, p, v, "dir", true);
        if (dir == NULL)
            ok = false;
        else if (strcmp(dir, "ltr") != 0 && strcmp(dir, "rtl") != 0) {
            char q[JC_PATH_MAX];
            jc_path_key(q, p, "dir");
            jc_error(jc, q, "« dir » vaut « ltr » (de gauche à droite) ou « rtl » (de droite à gauche), pas « %s »",
                     dir);
            ok = false;
        }
        if (json_object_get(v, "speech") && jc_string(jc, p, v, "speech", false) == NULL)
            ok = false;
    }
    if (json_object_get(langs, "fr") == NULL) {
        jc_error(jc, "$.languages", "le français (« fr ») est obligatoire : c'est la langue de repli des pages");
        ok = false;
    }
    return ok;
}

/* Checks the texts of one language, $.strings.LANG, against the key lists and French (fr, NULL when lang is
 * French or French is unusable). Returns false after reporting. */
static bool check_strings(jcheck *jc, const char *lang, const json_t *texts, const json_t *fr)
{
    char p[JC_PATH_MAX];
    jc_path_key(p, "$.strings", lang);
    if (!json_is_object(texts)) {
        jc_error(jc, p, "les textes d'une langue sont un objet par page ({\"form\": {…}, \"print\": {…}})");
        return false;
    }
    bool ok = true;
    const char *page;
    json_t *m;
    json_object_foreach((json_t *)texts, page, m) {
        char pp[JC_PATH_MAX];
        jc_path_key(pp, p, page);
        const page_keys *pk = find_page(page);
        if (pk == NULL) {
            jc_error(jc, pp, "page inconnue « %s » (pages : form, print, entry)", page);
            ok = false;
            continue;
        }
        if (!json_is_object(m)) {
            jc_error(jc, pp, "les textes d'une page sont un objet {\"clé\": \"texte\"}");
            ok = false;
            continue;
        }
        const char *key;
        json_t *s;
        json_object_foreach(m, key, s) {
            char kp[JC_PATH_MAX];
            jc_path_key(kp, pp, key);
            if (!known_key(pk, key)) {
                jc_error(jc, kp, "clé inconnue « %s » : la page « %s » ne l'utilise pas", key, page);
                ok = false;
                continue;
            }
            if (!json_is_string(s) || json_string_length(s) == 0 || json_string_length(s) > UISTR_MAX_TEXT) {
                jc_error(jc, kp, "un texte non vide est attendu (%d octets au plus)", UISTR_MAX_TEXT);
                ok = false;
                continue;
            }
            const char *ref = fr ? json_string_value(json_object_get(json_object_get(fr, page), key)) : NULL;
            if (ref == NULL)
                continue;
            char want[256], got[256];
            placeholders(ref, want, sizeof want);
            placeholders(json_string_value(s), got, sizeof got);
            if (strcmp(want, got) != 0) {
                jc_error(jc, kp, "repères différents du français : « %s » ici, « %s » en français (les repères "
                         "entre accolades sont remplacés par la page et doivent être les mêmes dans chaque langue)",
                         got, want);
                ok = false;
            }
        }
    }
    return ok;
}

/* French must have every key of every page. */
static bool check_french_complete(jcheck *jc, const json_t *fr)
{
    bool ok = true;
    for (size_t i = 0; i < NPAGES; i++) {
        const json_t *m = json_object_get(fr, pages[i].page);
        for (const char *const *k = pages[i].keys; *k; k++) {
            if (json_is_string(json_object_get(m, *k)))
                continue;
            char p[JC_PATH_MAX], q[JC_PATH_MAX];
            jc_path_key(p, "$.strings.fr", pages[i].page);
            jc_path_key(q, p, *k);
            jc_error(jc, q, "texte français manquant : la page « %s » l'utilise (le français est la langue de "
                     "repli, il doit être complet)", pages[i].page);
            ok = false;
        }
    }
    return ok;
}

json_t *uistr_load(const char *dir, diag_list *diags)
{
    static const char *const keys[] = {"note", "languages", "strings", NULL};
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, UISTR_FILE);
    jcheck jc = {diags, path};
    size_t errors_before = diags ? diags->errors : 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        diag_add(diags, false, path, "$", "impossible d'ouvrir le fichier des mots des pages (%s) : les pages "
                 "n'auraient aucun mot ; copiez forms/pages.json du projet dans ce dossier", strerror(errno));
        return NULL;
    }
    fclose(f);
    json_t *doc = jc_load_file(path, diags);
    if (doc == NULL)
        return NULL;
    bool ok = true;
    if (!json_is_object(doc)) {
        jc_error(&jc, "$", "le fichier des mots des pages doit être un objet JSON");
        goto err;
    }
    ok &= jc_only_keys(&jc, "$", doc, keys);
    if (json_object_get(doc, "note"))
        ok &= jc_string(&jc, "$", doc, "note", false) != NULL;
    json_t *langs = jc_member(&jc, "$", doc, "languages", JSON_OBJECT, true);
    json_t *strings = jc_member(&jc, "$", doc, "strings", JSON_OBJECT, true);
    if (langs == NULL || strings == NULL)
        goto err;
    ok &= check_languages(&jc, langs);
    json_t *fr = json_object_get(strings, "fr");
    if (fr == NULL) {
        jc_error(&jc, "$.strings", "les textes en français (« fr ») sont obligatoires");
        goto err;
    }
    bool fr_ok = check_strings(&jc, "fr", fr, NULL);
    ok &= fr_ok;
    if (fr_ok)
        ok &= check_french_complete(&jc, fr);
    const char *lang;
    json_t *texts;
    json_object_foreach(strings, lang, texts) {
        if (strcmp(lang, "fr") == 0)
            continue;
        char p[JC_PATH_MAX];
        jc_path_key(p, "$.strings", lang);
        if (json_object_get(langs, lang) == NULL) {
            jc_error(&jc, p, "langue « %s » absente de $.languages : ajoutez-y son nom et son sens d'écriture",
                     lang);
            ok = false;
        }
        ok &= check_strings(&jc, lang, texts, fr_ok ? fr : NULL);
    }
    if (!ok || (diags && diags->errors > errors_before))
        goto err;
    return doc;
err:
    json_decref(doc);
    return NULL;
}

/* Warnings for language lang, declared by form file `file`: absent from pages.json, or lacking texts of the
 * residents' pages. */
static void check_form_language(jcheck *jc, const json_t *doc, const char *lang, const char *file)
{
    char p[JC_PATH_MAX];
    if (json_object_get(json_object_get(doc, "languages"), lang) == NULL) {
        jc_path_key(p, "$.languages", lang);
        jc_warn(jc, p, "langue « %s » déclarée par %s mais absente de pages.json : la page l'affichera sous son "
                "code, de gauche à droite", lang, file);
    }
    const json_t *texts = json_object_get(json_object_get(doc, "strings"), lang);
    jc_path_key(p, "$.strings", lang);
    if (texts == NULL) {
        jc_warn(jc, p, "aucun texte en « %s » (langue déclarée par %s) : les boutons et messages des pages "
                "s'afficheront en français", lang, file);
        return;
    }
    for (size_t i = 0; i < NPAGES; i++) {
        if (!pages[i].residents)
            continue;
        const json_t *m = json_object_get(texts, pages[i].page);
        for (const char *const *k = pages[i].keys; *k; k++) {
            if (json_object_get(m, *k) != NULL)
                continue;
            char pp[JC_PATH_MAX], q[JC_PATH_MAX];
            jc_path_key(pp, p, pages[i].page);
            jc_path_key(q, pp, *k);
            jc_warn(jc, q, "texte « %s.%s » manquant en « %s » : la page l'affichera en français", pages[i].page,
                    *k, lang);
        }
    }
}

void uistr_check(const char *dir, const catalog *c, diag_list *diags)
{
    json_t *doc = uistr_load(dir, diags);
    if (doc == NULL || c == NULL)
        goto done;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, UISTR_FILE);
    jcheck jc = {diags, path};
    /* Each language once, named with the first current form that declares it. */
    json_t *seen = json_object();
    for (size_t i = 0; i < catalog_count(c); i++) {
        const form *f = catalog_at(c, i);
        if (catalog_current(c, f->id) != f)
            continue;
        for (size_t l = 0; l < f->nlanguages; l++) {
            if (strcmp(f->languages[l], "fr") == 0 || json_object_get(seen, f->languages[l]))
                continue;
            json_object_set_new(seen, f->languages[l], json_true());
            check_form_language(&jc, doc, f->languages[l], f->file);
        }
    }
    json_decref(seen);
done:
    json_decref(doc);
}

/* The texts of page in lang, French filling the gaps: a new object. */
static json_t *page_texts(const json_t *doc, const char *page, const char *lang)
{
    const json_t *strings = json_object_get(doc, "strings");
    json_t *out = json_deep_copy(json_object_get(json_object_get(strings, "fr"), page));
    if (out == NULL)
        out = json_object();
    const json_t *own = json_object_get(json_object_get(strings, lang), page);
    if (strcmp(lang, "fr") != 0 && json_is_object(own))
        json_object_update(out, (json_t *)own);
    return out;
}

json_t *uistr_page(const json_t *doc, const char *page, const char *const *langs, size_t nlangs)
{
    json_t *out = json_pack("{s:o, s:o}", "languages", json_object(), "strings", json_object());
    json_t *ol = json_object_get(out, "languages"), *os = json_object_get(out, "strings");
    for (size_t i = 0; i <= nlangs; i++) {
        const char *lang = i == 0 ? "fr" : langs[i - 1];
        if (json_object_get(ol, lang))
            continue;
        const json_t *def = json_object_get(json_object_get(doc, "languages"), lang);
        json_object_set_new(ol, lang, def ? json_deep_copy(def) : json_pack("{s:s, s:s}", "name", lang, "dir", "ltr"));
        json_object_set_new(os, lang, page_texts(doc, page, lang));
    }
    /* A page of every form (data entry, console), in French, still names the languages of sheets and answers. */
    if (langs == NULL) {
        const char *l;
        json_t *def;
        json_object_foreach(json_object_get(doc, "languages"), l, def)
            if (!json_object_get(ol, l))
                json_object_set_new(ol, l, json_deep_copy(def));
    }
    return out;
}

const char *uistr_fr(const json_t *doc, const char *page, const char *key)
{
    return json_string_value(json_object_get(json_object_get(json_object_get(json_object_get(doc, "strings"), "fr"),
                                                              page), key));
}
