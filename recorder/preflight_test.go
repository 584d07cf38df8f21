package recorder

import (
	"strings"
	"testing"
)

func TestEffectiveCaps(t *testing.T) {
	cases := []struct {
		name, status string
		want         uint64
		wantErr      bool
	}{
		{"root", "Name:\tx\nCapInh:\t0\nCapEff:\t000001ffffffffff\n", 0x1ffffffffff, false},
		{"none", "CapEff:\t0000000000000000\n", 0, false},
		{"missing", "Name:\tx\n", 0, true},
		{"garbage", "CapEff:\tzz\n", 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := effectiveCaps(strings.NewReader(c.status))
			if (err != nil) != c.wantErr || got != c.want {
				t.Fatalf("effectiveCaps = %#x, %v; want %#x, error %v", got, err, c.want, c.wantErr)
			}
		})
	}
	if !hasCap(0x1ffffffffff, capBPF) || hasCap(1<<capSysAdmin, capBPF) {
		t.Fatal("hasCap is wrong")
	}
}
