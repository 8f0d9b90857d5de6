/*
 * Benchmark statistics: n, min, nearest-rank p50/p90/p99, max, mean.
 * Pure C (no kernel headers) so it is unit tested on the host
 * (tests/host/test_stats.c).
 */
#ifndef PKRULAB_STATS_H
#define PKRULAB_STATS_H

#include <stddef.h>
#include <stdint.h>

/* unsigned long long: the same type as the kernel's u64 on every ABI. */
typedef unsigned long long stat_t;

struct stats {
	size_t n;
	stat_t min, p50, p90, p99, max;
	stat_t mean_x10;	/* mean in tenths, rounded: integer-only kernel */
};

/* Sorts samples in place (heap sort: O(n log n), no recursion, no malloc). */
void stats_sort(stat_t *v, size_t n);
/* Nearest-rank percentile of sorted data: smallest x with >= p% at or below. */
stat_t stats_percentile(const stat_t *sorted, size_t n, unsigned p);
/* Sort and summarise; n == 0 gives all zeros. */
struct stats stats_compute(stat_t *samples, size_t n);
/* Subtract a measurement overhead from every sample, flooring at 0. */
void stats_subtract(stat_t *samples, size_t n, stat_t overhead);

#endif
