/*
 * Host unit tests for the benchmark statistics (kernel/stats.c): sorting,
 * nearest-rank percentiles, the integer mean in tenths, and overhead
 * subtraction -- the numbers every "# bench" line is made of.
 */
#include <stdlib.h>
#include "unit.h"
#include <kernel/stats.h>

static int cmp(const void *a, const void *b)
{
	stat_t x = *(const stat_t *)a, y = *(const stat_t *)b;

	return x < y ? -1 : x > y;
}

static void test_sort_matches_qsort(void)
{
	static stat_t a[5000], b[5000];
	unsigned seed = 12345;

	for (size_t n = 0; n < 5000; n = n * 3 + 1) {
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245 + 12345;
			a[i] = b[i] = (seed >> 8) % (n / 2 + 1);	/* with duplicates */
		}
		stats_sort(a, n);
		qsort(b, n, sizeof(b[0]), cmp);
		CHECK(memcmp(a, b, n * sizeof(a[0])) == 0);
	}
}

static void test_percentiles(void)
{
	stat_t v[100];

	for (int i = 0; i < 100; i++)
		v[i] = i + 1;		/* 1..100 */
	CHECK_EQ_UINT(stats_percentile(v, 100, 50), 50);
	CHECK_EQ_UINT(stats_percentile(v, 100, 90), 90);
	CHECK_EQ_UINT(stats_percentile(v, 100, 99), 99);
	CHECK_EQ_UINT(stats_percentile(v, 100, 100), 100);
	CHECK_EQ_UINT(stats_percentile(v, 100, 0), 1);
	CHECK_EQ_UINT(stats_percentile(v, 100, 250), 100);
	CHECK_EQ_UINT(stats_percentile(v, 1, 50), 1);
	CHECK_EQ_UINT(stats_percentile(v, 0, 50), 0);
	/* Nearest rank on 3 samples: p50 is the 2nd, p90 and p99 the 3rd. */
	CHECK_EQ_UINT(stats_percentile(v, 3, 50), 2);
	CHECK_EQ_UINT(stats_percentile(v, 3, 90), 3);
}

static void test_compute(void)
{
	stat_t v[] = { 9, 1, 5, 3, 7 };
	struct stats s = stats_compute(v, 5);

	CHECK_EQ_UINT(s.n, 5);
	CHECK_EQ_UINT(s.min, 1);
	CHECK_EQ_UINT(s.max, 9);
	CHECK_EQ_UINT(s.p50, 5);
	CHECK_EQ_UINT(s.p99, 9);
	CHECK_EQ_UINT(s.mean_x10, 50);

	stat_t w[] = { 1, 2 };	/* mean 1.5 */
	s = stats_compute(w, 2);
	CHECK_EQ_UINT(s.mean_x10, 15);

	stat_t x[] = { 1, 1, 2 };	/* mean 1.333.. -> 1.3 */
	s = stats_compute(x, 3);
	CHECK_EQ_UINT(s.mean_x10, 13);

	stat_t y[] = { 2, 2, 1 };	/* mean 1.666.. -> 1.7 */
	s = stats_compute(y, 3);
	CHECK_EQ_UINT(s.mean_x10, 17);

	s = stats_compute(NULL, 0);
	CHECK_EQ_UINT(s.n, 0);
	CHECK_EQ_UINT(s.max, 0);
}

static void test_huge_values_do_not_wrap(void)
{
	stat_t v[] = { ~0ull, ~0ull, ~0ull };
	struct stats s = stats_compute(v, 3);

	CHECK_EQ_UINT(s.max, ~0ull);
	CHECK_EQ_UINT(s.mean_x10, ~0ull);	/* saturated, not wrapped */

	stat_t big[] = { 1ull << 62, 1ull << 62, 1ull << 62, 1ull << 62 };
	s = stats_compute(big, 4);	/* the sum overflows 64 bits; the mean does not */
	CHECK_EQ_UINT(s.mean_x10, ~0ull);
	stat_t mid[] = { 1ull << 58, 1ull << 58, 1ull << 58, 1ull << 58, 1ull << 58 };
	s = stats_compute(mid, 5);
	CHECK_EQ_UINT(s.mean_x10, (1ull << 58) * 10);
}

static void test_subtract(void)
{
	stat_t v[] = { 10, 20, 5, 0 };

	stats_subtract(v, 4, 8);
	CHECK_EQ_UINT(v[0], 2);
	CHECK_EQ_UINT(v[1], 12);
	CHECK_EQ_UINT(v[2], 0);
	CHECK_EQ_UINT(v[3], 0);
}

int main(void)
{
	test_sort_matches_qsort();
	test_percentiles();
	test_compute();
	test_huge_values_do_not_wrap();
	test_subtract();
	return unit_summary("test_stats");
}
