/* fingerprint.c -- canonical text and SHA-256 of a form version (see fingerprint.h). */
#include "fingerprint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

char *fingerprint_canonical(const form *f)
{
    json_t *doc = form_expanded_doc(f);
    char *text = json_dumps(doc, JSON_SORT_KEYS | JSON_COMPACT);
    json_decref(doc);
    if (text == NULL)
        abort(); /* json_dumps fails only without memory: util.h's rule is to stop */
    return text;  /* jansson's default allocator is malloc, and these programs never change it */
}

void fingerprint_of_text(const char *canonical, char out[FINGERPRINT_HEX_LEN + 1])
{
    unsigned char md[32];
    unsigned int len = sizeof md;
    if (EVP_Digest(canonical, strlen(canonical), md, &len, EVP_sha256(), NULL) != 1)
        abort(); /* SHA-256 with the default provider cannot fail short of memory corruption */
    for (size_t i = 0; i < sizeof md; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

void fingerprint_form(const form *f, char out[FINGERPRINT_HEX_LEN + 1], char **canonical)
{
    char *text = fingerprint_canonical(f);
    fingerprint_of_text(text, out);
    if (canonical != NULL)
        *canonical = text;
    else
        free(text);
}
