package abratio

import (
	"fmt"
	"slices"
	"time"
)

// Line summarises rounds in which a[i] and b[i] were measured back to
// back as "NAME: A median X, B median Y, ratio median R× (min–max
// lo–hi×, N rounds)". Rounds beyond the shorter slice are ignored.
func Line(name, aName, bName string, a, b []time.Duration) string {
	n := min(len(a), len(b))
	if n == 0 {
		return name + ": no rounds"
	}
	ratios := make([]float64, n)
	for i := range n {
		ratios[i] = float64(b[i]) / float64(a[i])
	}
	slices.Sort(ratios)
	return fmt.Sprintf("%s: %s median %s, %s median %s, ratio median %.2f× (min–max %.2f–%.2f×, %d rounds)",
		name, aName, Format(Median(a[:n])), bName, Format(Median(b[:n])),
		median(ratios), ratios[0], ratios[n-1], n)
}

// Series summarises one measurement taken in several rounds, with no
// comparison, as "NAME: median X (min–max lo–hi, N rounds)".
func Series(name string, d []time.Duration) string {
	if len(d) == 0 {
		return name + ": no rounds"
	}
	s := slices.Clone(d)
	slices.Sort(s)
	u := unitOf(Median(s))
	return fmt.Sprintf("%s: median %s %s (min–max %s–%s %s, %d rounds)", name,
		number(Median(s), u), u.name, number(s[0], u), number(s[len(s)-1], u), u.name, len(s))
}

// Median is the middle duration, or the mean of the middle two.
func Median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// median of sorted values.
func median(s []float64) float64 {
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Format prints d in milliseconds as the scripts do, or in microseconds
// below one millisecond, with three significant digits or more.
func Format(d time.Duration) string {
	u := unitOf(d)
	return number(d, u) + " " + u.name
}

type unit struct {
	name string
	size time.Duration
}

func unitOf(d time.Duration) unit {
	if d >= time.Millisecond {
		return unit{"ms", time.Millisecond}
	}
	return unit{"µs", time.Microsecond}
}

// number prints d in u with three significant digits, more above 1000.
func number(d time.Duration, u unit) string {
	v := float64(d) / float64(u.size)
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}
