package abratio

import (
	"testing"
	"time"
)

func TestLineQuotesTheMedianOfPerRoundRatios(t *testing.T) {
	ms := time.Millisecond
	// The ratios are 1.5, 1.0, 2.0, 1.2: their median (1.35) is neither
	// the ratio of the medians (1.33) nor any single round's.
	a := []time.Duration{100 * ms, 200 * ms, 100 * ms, 500 * ms}
	b := []time.Duration{150 * ms, 200 * ms, 200 * ms, 600 * ms}
	got := Line("loop", "bare", "traced", a, b)
	want := "loop: bare median 150 ms, traced median 200 ms, ratio median 1.35× (min–max 1.00–2.00×, 4 rounds)"
	if got != want {
		t.Errorf("Line =\n%s\nwant\n%s", got, want)
	}
}

func TestSeries(t *testing.T) {
	ms := time.Millisecond
	got := Series("stop", []time.Duration{8 * ms, 4 * ms, 5 * ms})
	want := "stop: median 5.00 ms (min–max 4.00–8.00 ms, 3 rounds)"
	if got != want {
		t.Errorf("Series = %q, want %q", got, want)
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []time.Duration
		want time.Duration
	}{
		{[]time.Duration{3, 1, 2}, 2},
		{[]time.Duration{4, 1, 3, 2}, 2},
		{[]time.Duration{7}, 7},
		{nil, 0},
	} {
		if got := Median(c.in); got != c.want {
			t.Errorf("Median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestFormat(t *testing.T) {
	for d, want := range map[time.Duration]string{
		1234 * time.Millisecond:  "1234 ms",
		45600 * time.Microsecond: "45.6 ms",
		1230 * time.Microsecond:  "1.23 ms",
		378 * time.Microsecond:   "378 µs",
		37200 * time.Nanosecond:  "37.2 µs",
		4500 * time.Nanosecond:   "4.50 µs",
	} {
		if got := Format(d); got != want {
			t.Errorf("Format(%v) = %q, want %q", d, got, want)
		}
	}
}
