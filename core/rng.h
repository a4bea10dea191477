/* Seeded random generator (xoshiro256** seeded by splitmix64). Every random draw of a run comes
   from a Rng made from the run's seed; there is no global generator. Precision-independent. */
#ifndef LOFT_RNG_H
#define LOFT_RNG_H
#include <stdint.h>

typedef struct { uint64_t s[4]; int has_spare; double spare; } Rng;

void rng_seed(Rng *rng, uint64_t seed);
/* the stream of a run's training batches is rng_seed(seed ^ RNG_DATA_STREAM): it depends on the seed
   alone, apart from every draw of the model's and adapters' init, so that for one seed every method
   and every rank (full AdamW included) trains on the same batches, in the same order (paired) */
#define RNG_DATA_STREAM 0xba7c4e50da7a0000ull
/* h with x folded in (FNV-1a over x's 8 bytes): a fingerprint of a run's batches, h starts at
   RNG_FINGERPRINT_START */
#define RNG_FINGERPRINT_START 1469598103934665603ull
static inline uint64_t rng_fingerprint(uint64_t h, uint64_t x) {
    for (int i = 0; i < 8; i++) { h ^= (x >> (8 * i)) & 0xff; h *= 1099511628211ull; }
    return h;
}
uint64_t rng_u64(Rng *rng);
double rng_uniform(Rng *rng);              /* in [0, 1) with 53 random bits */
double rng_normal(Rng *rng);               /* standard normal (Box-Muller) */
#endif
