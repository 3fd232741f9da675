/*
 * rand.c — the one PRNG of a run, seeded from --seed and consumed in a fixed
 * order (slice, site, source): the same seed gives the same bytes.
 */
#include <math.h>
#include <stdint.h>

#include "sim.h"

uint64_t rng_state;

/* splitmix64: tiny, good enough, and the same on every platform. */
uint64_t
rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

unsigned
rndn(unsigned n)
{
	return n == 0 ? 0 : (unsigned)(rnd() % n);
}

double
rndf(void)
{
	return (double)(rnd() >> 11) / 9007199254740992.0;
}

unsigned
poisson(double mean)
{
	if (mean <= 0)
		return 0;
	if (mean < 30) {
		double l = exp(-mean), p = 1;
		unsigned k = 0;

		do {
			k++;
			p *= rndf();
		} while (p > l && k < 1000);
		return k - 1;
	} else {
		/* Box-Muller; the normal approximation is fine this far from 0. */
		double u1 = rndf() + 1e-12, u2 = rndf();
		double g = sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
		double v = mean + sqrt(mean) * g;
		return v < 0 ? 0 : (unsigned)(v + 0.5);
	}
}

size_t
vcount(const char *const *v)
{
	size_t n = 0;

	while (v[n] != NULL)
		n++;
	return n;
}
