/* ratelimit.h -- per-client request rate limiting, in memory only.
 *
 * A token bucket per client address, in a fixed-size table: clients whose addresses hash to the same slot share
 * a bucket, which errs on the side of limiting. Addresses are hashed with a per-process random key and never
 * stored or logged: the table forgets everything when the process ends.
 */
#ifndef COLLECTOR_RATELIMIT_H
#define COLLECTOR_RATELIMIT_H

#include <stdbool.h>

#define RATELIMIT_SLOTS 4096

typedef struct ratelimit ratelimit;

/* A limiter allowing rate requests per second with bursts of burst; rate <= 0 allows everything. */
ratelimit *ratelimit_new(double rate, double burst);

/* Takes one token for client at time now (seconds). Returns true when allowed; otherwise false and sets
 * *retry_after to the whole seconds until a token is available. */
bool ratelimit_take(ratelimit *rl, const char *client, double now, int *retry_after);

/* Frees rl; ratelimit_free(NULL) does nothing. */
void ratelimit_free(ratelimit *rl);

#endif /* COLLECTOR_RATELIMIT_H */
