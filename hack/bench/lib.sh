# shellcheck shell=bash
# Sourced by the scripted benches so that every comparison is measured and
# printed one way. The machine's speed drifts (other jobs on its 2 cores,
# CPU frequency, the page cache), so compared commands alternate round by
# round in one run, each round gives its own ratio B/A, and the figure to
# quote is the median of those ratios with their min–max as the spread.
# hack/bench/abratio prints the same line for the Go benches.

# time_us CMD...: runs CMD, output discarded, and prints its wall time in
# microseconds.
time_us() {
	local s e
	s=$(date +%s%N)
	"$@" >/dev/null
	e=$(date +%s%N)
	echo $(((e - s) / 1000))
}

# The awk helpers below: values sorted in place, median of the middle one
# (or the mean of the middle two), milliseconds with enough digits.
_bench_awk='
function sortn(v, n,   i, j, t) {
	for (i = 2; i <= n; i++) {
		t = v[i]
		for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]
		v[j + 1] = t
	}
}
function median(v, n) {
	sortn(v, n)
	return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
function ms(us) {
	return sprintf(us >= 100000 ? "%.0f" : us >= 10000 ? "%.1f" : "%.2f", us / 1000)
}
'

# ab_line NAME A B: reads one round per line, "A_us B_us" measured back to
# back, and prints
#   NAME: A median X ms, B median Y ms, ratio median R× (min–max a–b×, N rounds)
ab_line() {
	awk -v name="$1" -v al="$2" -v bl="$3" "$_bench_awk"'
	NF >= 2 { n++; a[n] = $1; b[n] = $2; r[n] = $2 / $1 }
	END {
		if (!n) { printf "%s: no rounds\n", name; exit }
		ma = median(a, n); mb = median(b, n); mr = median(r, n)
		printf "%s: %s median %s ms, %s median %s ms, ratio median %.2f× (min–max %.2f–%.2f×, %d rounds)\n",
			name, al, ms(ma), bl, ms(mb), mr, r[1], r[n], n
	}'
}

# series_line NAME: reads one time in microseconds per line and prints
#   NAME: median X ms (min–max a–b ms, N rounds)
series_line() {
	awk -v name="$1" "$_bench_awk"'
	NF >= 1 { n++; v[n] = $1 }
	END {
		if (!n) { printf "%s: no rounds\n", name; exit }
		m = median(v, n)
		printf "%s: median %s ms (min–max %s–%s ms, %d rounds)\n", name, ms(m), ms(v[1]), ms(v[n]), n
	}'
}

# load_note prints the machine's CPUs and load, to read the spread against.
load_note() {
	echo "($(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg))"
}
