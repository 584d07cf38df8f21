package apparmor

import (
	"os"
	"path/filepath"
	"testing"
)

func TestEnabled(t *testing.T) {
	for _, tc := range []struct {
		name, content string
		want          bool
	}{
		{"enabled", "Y\n", true},
		{"disabled", "N\n", false},
		{"no AppArmor in the kernel", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sys := t.TempDir()
			if tc.content != "" {
				dir := filepath.Join(sys, "module", "apparmor", "parameters")
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, "enabled"), []byte(tc.content), 0o444); err != nil {
					t.Fatal(err)
				}
			}
			got, err := Enabled(sys)
			if err != nil || got != tc.want {
				t.Fatalf("Enabled = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}
