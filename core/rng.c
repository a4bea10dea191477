/* xoshiro256** with splitmix64 seeding; uniform and normal draws. */
#include <math.h>
#include "rng.h"

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void rng_seed(Rng *rng, uint64_t seed) {
    uint64_t x = seed;
    for (int i = 0; i < 4; i++) rng->s[i] = splitmix64(&x);
    rng->has_spare = 0;
    rng->spare = 0.0;
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t rng_u64(Rng *rng) {
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double rng_uniform(Rng *rng) { return (double)(rng_u64(rng) >> 11) * 0x1.0p-53; }

double rng_normal(Rng *rng) {
    if (rng->has_spare) { rng->has_spare = 0; return rng->spare; }
    double u1, u2;
    do { u1 = rng_uniform(rng); } while (u1 <= 0.0);
    u2 = rng_uniform(rng);
    double rad = sqrt(-2.0 * log(u1)), ang = 2.0 * M_PI * u2;
    rng->spare = rad * sin(ang);
    rng->has_spare = 1;
    return rad * cos(ang);
}
