/* Benchmark statistics (see stats.h). */
#include <kernel/stats.h>

static void sift_down(stat_t *v, size_t start, size_t end)
{
	size_t root = start;

	while (2 * root + 1 < end) {
		size_t child = 2 * root + 1, big = root;

		if (v[big] < v[child])
			big = child;
		if (child + 1 < end && v[big] < v[child + 1])
			big = child + 1;
		if (big == root)
			return;
		stat_t t = v[root];

		v[root] = v[big];
		v[big] = t;
		root = big;
	}
}

void stats_sort(stat_t *v, size_t n)
{
	if (n < 2)
		return;
	for (size_t i = n / 2; i-- > 0;)
		sift_down(v, i, n);
	for (size_t end = n - 1; end > 0; end--) {
		stat_t t = v[0];

		v[0] = v[end];
		v[end] = t;
		sift_down(v, 0, end);
	}
}

stat_t stats_percentile(const stat_t *sorted, size_t n, unsigned p)
{
	size_t rank;

	if (!n)
		return 0;
	if (p > 100)
		p = 100;
	/* rank = ceil(p/100 * n), at least 1 */
	rank = ((stat_t)p * n + 99) / 100;
	if (rank < 1)
		rank = 1;
	return sorted[rank - 1];
}

struct stats stats_compute(stat_t *v, size_t n)
{
	struct stats s = { 0 };
	stat_t q = 0, r = 0;

	if (!n)
		return s;
	stats_sort(v, n);
	s.n = n;
	s.min = v[0];
	s.max = v[n - 1];
	s.p50 = stats_percentile(v, n, 50);
	s.p90 = stats_percentile(v, n, 90);
	s.p99 = stats_percentile(v, n, 99);
	/* Mean without overflow: sum the quotients and remainders separately. */
	for (size_t i = 0; i < n; i++) {
		q += v[i] / n;
		r += v[i] % n;
	}
	q += r / n;
	r %= n;
	if (q > (~0ull - 9) / 10)
		s.mean_x10 = ~0ull;	/* saturate rather than wrap */
	else
		s.mean_x10 = q * 10 + (r * 10 + n / 2) / n;
	return s;
}

void stats_subtract(stat_t *v, size_t n, stat_t overhead)
{
	for (size_t i = 0; i < n; i++)
		v[i] = v[i] > overhead ? v[i] - overhead : 0;
}
