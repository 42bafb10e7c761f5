# The benchmarks' summaries share this (awk -f median.awk -f SUMMARY.awk):
# median(ARR, COUNT, KEY): the median of ARR[KEY, 1..COUNT[KEY]] (none
# when KEY is not in COUNT: the element is not made, as passing
# COUNT[KEY] would, which gawk 5.2.1 later frees twice), numerically;
# sets the globals lo and hi to the smallest and the largest. An
# insertion sort, as there are a few rounds, and mawk has no asort.
function median(arr, count, key,    m, i, j, v, a) {
	m = (key in count) ? count[key] : 0
	for (i = 1; i <= m; i++) a[i] = arr[key, i] + 0
	for (i = 2; i <= m; i++) {
		v = a[i]
		for (j = i - 1; j >= 1 && a[j] > v; j--) a[j + 1] = a[j]
		a[j + 1] = v
	}
	lo = a[1]; hi = a[m]
	return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
}
