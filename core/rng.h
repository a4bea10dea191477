/* Seeded random generator (xoshiro256** seeded by splitmix64). Every random draw of a run comes
   from a Rng made from the run's seed; there is no global generator. Precision-independent. */
#ifndef LOFT_RNG_H
#define LOFT_RNG_H
#include <stdint.h>

typedef struct { uint64_t s[4]; int has_spare; double spare; } Rng;

void rng_seed(Rng *rng, uint64_t seed);
uint64_t rng_u64(Rng *rng);
double rng_uniform(Rng *rng);              /* in [0, 1) with 53 random bits */
double rng_normal(Rng *rng);               /* standard normal (Box-Muller) */
#endif
