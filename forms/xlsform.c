/* xlsform.c -- forms as XLSForm workbooks, both ways: what the writer (xlsform_write.c) and the reader
 * (xlsform_read.c) share. See xlsform.h; the mapping itself is documented in forms/README.md ("Éditer un
 * questionnaire dans un tableur"), and both halves must keep to it.
 */
#include "xlsform.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "xlsform_int.h"

/* ---------------------------------------------------------------------------------------------------------- */
/* Languages                                                                                                    */
/* ---------------------------------------------------------------------------------------------------------- */

/* Display names in their own language, as column headers show them ("label::Français (fr)"). A code not in
 * the table is shown as itself. */
static const struct {
    const char *code, *name;
} lang_names[] = {
    {"fr", "Français"}, {"ar", "العربية"}, {"en", "English"}, {"tr", "Türkçe"}, {"es", "Español"},
    {"pt", "Português"}, {"it", "Italiano"}, {"de", "Deutsch"}, {"ro", "Română"}, {"ru", "Русский"},
    {"uk", "Українська"}, {"pl", "Polski"}, {"bg", "Български"}, {"sq", "Shqip"}, {"sr", "Srpski"},
    {"hy", "Հայերեն"}, {"ka", "ქართული"}, {"fa", "فارسی"}, {"ps", "پښتو"}, {"ku", "Kurdî"}, {"ur", "اردو"},
    {"bn", "বাংলা"}, {"ta", "தமிழ்"}, {"zh", "中文"}, {"vi", "Tiếng Việt"}, {"so", "Soomaali"},
    {"ti", "ትግርኛ"}, {"am", "አማርኛ"}, {"sw", "Kiswahili"}, {"ln", "Lingála"}, {"wo", "Wolof"},
    {"bm", "Bamanankan"}, {"ff", "Pulaar"}, {"snk", "Soninké"}, {"kab", "Taqbaylit"}, {"ber", "Tamaziɣt"},
};

const char *xlsf_lang_display(const char *code)
{
    for (size_t i = 0; i < sizeof lang_names / sizeof *lang_names; i++)
        if (strcmp(lang_names[i].code, code) == 0)
            return lang_names[i].name;
    return NULL;
}

/* True when s is a language code of the survey language: two or three ASCII letters (any case here). */
static bool is_lang_code(const char *s, size_t n)
{
    if (n < 2 || n > 3)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
            return false;
    return true;
}

/* The language of a column suffix: "Français (fr)", "fr", "FR" or a display name of the table ("English").
 * Writes the lowercase code into out (at least 4 bytes); false when it is none of those. */
bool xlsf_lang_parse(const char *s, char *out)
{
    size_t n = strlen(s);
    const char *code = NULL;
    size_t cn = 0;
    if (n > 0 && s[n - 1] == ')') {
        const char *open = strrchr(s, '(');
        if (open != NULL) {
            code = open + 1;
            cn = (size_t)(s + n - 1 - code);
        }
    } else {
        code = s;
        cn = n;
    }
    if (code != NULL && is_lang_code(code, cn)) {
        for (size_t i = 0; i < cn; i++)
            out[i] = (char)(code[i] | 0x20);
        out[cn] = '\0';
        return true;
    }
    for (size_t i = 0; i < sizeof lang_names / sizeof *lang_names; i++)
        if (strcasecmp(lang_names[i].name, s) == 0) {
            strcpy(out, lang_names[i].code);
            return true;
        }
    return false;
}

/* "label::Français (fr)"; "label::xx" for a code without a display name. */
void xlsf_lang_header(char *buf, size_t size, const char *base, const char *code)
{
    const char *name = xlsf_lang_display(code);
    if (name != NULL)
        snprintf(buf, size, "%s::%s (%s)", base, name, code);
    else
        snprintf(buf, size, "%s::%s", base, code);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* List names                                                                                                   */
/* ---------------------------------------------------------------------------------------------------------- */

/* True when name is a list_name the writer gives to the own list of question qid (its inline choices, rows or
 * scale labels; suffix "", "_rows" or "_labels"): qid + suffix, or that followed by "-N" (N >= 2), the name it
 * takes when another list already has the first. The reader puts such a list back into the question when that
 * question is its only user; any other list is a choice_lists entry. */
bool xlsf_own_list_name(const char *qid, const char *suffix, const char *name)
{
    size_t n = strlen(qid), m = strlen(suffix);
    if (strncmp(name, qid, n) != 0 || strncmp(name + n, suffix, m) != 0)
        return false;
    const char *rest = name + n + m;
    if (rest[0] == '\0')
        return true;
    if (rest[0] != '-' || rest[1] < '1' || rest[1] > '9' || strcmp(rest, "-1") == 0)
        return false;
    return strspn(rest + 1, "0123456789") == strlen(rest + 1);
}
