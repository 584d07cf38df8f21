// Package abratio prints an A/B comparison the one way every bench under
// hack/bench does (hack/bench/lib.sh for the scripts): the compared runs
// alternate round by round, so drift in the machine's speed hits both,
// each round gives its own ratio B/A, and the line quotes the median of
// those ratios with their min–max as the spread.
package abratio
