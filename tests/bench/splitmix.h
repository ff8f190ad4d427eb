/*
 * splitmix.h - the benchmarks' deterministic pseudo-random sequence
 * (splitmix64), so generated streams are the same on every run.
 */
#ifndef SPLITMIX_H
#define SPLITMIX_H

#include <stdint.h>

/* Next pseudo-random 64-bit value of the sequence whose state is *S. */
static inline uint64_t
splitmix_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

#endif /* SPLITMIX_H */
