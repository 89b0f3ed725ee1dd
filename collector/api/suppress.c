/* suppress.c -- the minimum-count rule of the public counts, with complementary suppression for their one
 * additive relation (see suppress.h). Exports suppress_parts and suppress_name.
 */
#include "suppress.h"

/* Why this is enough. The public view publishes a total T and some of its parts; anyone can compute T minus the
 * shown parts, which is exactly the sum of the hidden parts and of `outside`. That one difference is the only
 * new figure a reader can derive (the parts are disjoint atoms, and the shown ones are each min_n or more), so
 * the rule is: hide every part under min_n (primary), then, while the hidden sum holds somebody but fewer than
 * min_n, hide the smallest shown part too (complementary; ties to the lowest index, so the same counts always
 * give the same publication). A shown part holds min_n or more, so one complementary part is always enough;
 * when no part is left to hide, the total itself is hidden, and it is then under min_n. */
int suppress_parts(const long *n, size_t count, long outside, long min_n, suppress_status *out, bool *total_hidden)
{
    if (min_n < 1 || outside < 0 || total_hidden == NULL || (count > 0 && (n == NULL || out == NULL)))
        return -1;
    for (size_t i = 0; i < count; i++)
        if (n[i] < 0)
            return -1;
    long hidden = outside;
    for (size_t i = 0; i < count; i++) {
        out[i] = n[i] < min_n ? SUPPRESS_PRIMARY : SUPPRESS_SHOW;
        if (out[i] != SUPPRESS_SHOW)
            hidden += n[i];
    }
    *total_hidden = false;
    while (hidden > 0 && hidden < min_n) {
        size_t pick = count;
        for (size_t i = 0; i < count; i++)
            if (out[i] == SUPPRESS_SHOW && (pick == count || n[i] < n[pick]))
                pick = i;
        if (pick == count) {
            *total_hidden = true;
            break;
        }
        out[pick] = SUPPRESS_COMPLEMENTARY;
        hidden += n[pick];
    }
    return 0;
}

const char *suppress_name(suppress_status s)
{
    return s == SUPPRESS_PRIMARY ? "primary" : s == SUPPRESS_COMPLEMENTARY ? "complementary" : NULL;
}
