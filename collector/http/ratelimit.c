/* ratelimit.c -- token buckets keyed by a keyed hash of the client address (see ratelimit.h). */
#include "ratelimit.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "util.h"

typedef struct bucket {
    double tokens;
    double updated;   /* seconds; 0 for an unused slot */
} bucket;

struct ratelimit {
    double rate, burst;
    uint64_t key;     /* random per process, so that slots cannot be targeted from outside */
    bucket slots[RATELIMIT_SLOTS];
};

ratelimit *ratelimit_new(double rate, double burst)
{
    ratelimit *rl = xcalloc(1, sizeof *rl);
    rl->rate = rate;
    rl->burst = burst < 1 ? 1 : burst;
    if (util_random(&rl->key, sizeof rl->key) < 0)
        rl->key = 0x9e3779b97f4a7c15ull;
    return rl;
}

static uint64_t keyed_hash(uint64_t key, const char *s)
{
    uint64_t h = 1469598103934665603ull ^ key;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    return h ^ (h >> 33);
}

bool ratelimit_take(ratelimit *rl, const char *client, double now, int *retry_after)
{
    if (rl == NULL || rl->rate <= 0)
        return true;
    bucket *b = &rl->slots[keyed_hash(rl->key, client) % RATELIMIT_SLOTS];
    if (b->updated == 0) {
        b->tokens = rl->burst;
    } else if (now > b->updated) {
        b->tokens = fmin(rl->burst, b->tokens + (now - b->updated) * rl->rate);
    }
    b->updated = now;
    if (b->tokens >= 1) {
        b->tokens -= 1;
        return true;
    }
    *retry_after = (int)ceil((1 - b->tokens) / rl->rate);
    if (*retry_after < 1)
        *retry_after = 1;
    return false;
}

void ratelimit_free(ratelimit *rl)
{
    free(rl);
}
