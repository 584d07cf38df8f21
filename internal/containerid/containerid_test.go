package containerid

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	id1 = "52b8958fe2f60ba18ac6965d41997762821b3d31fa830e2779a120b1cd2580dd"
	id2 = "aa996f385b749f48f2148d0f5d004f85d39e1a612cc01129d4570ccadd66d923"
	id3 = "ea91d4bbbfbfd18a30e28bd2d4ba1189213f9b3873c168e87f1af8fc695a255d"

	podSlice = "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0adf3915_fea5_4b1f_af06_a585875686cd.slice/"
	podDir   = "/kubepods/burstable/pod0adf3915-fea5-4b1f-af06-a585875686cd/"
)

type cgroupCase struct {
	name, content, want string
}

var cgroupCases = []cgroupCase{
	{"v2 containerd systemd", "0::" + podSlice + "cri-containerd-" + id2 + ".scope\n", id2},
	{"v2 containerd cgroupfs", "0::" + podDir + id2 + "\n", id2},
	{"v2 CRI-O systemd", "0::" + podSlice + "crio-" + id2 + ".scope", id2},
	{"v2 CRI-O cgroupfs", "0::" + podDir + "crio-" + id2 + "\n", id2},
	{"v2 CRI-O nested container cgroup", "0::" + podSlice + "crio-" + id2 + ".scope/container\n", id2},
	{"v2 Docker systemd", "0::/system.slice/docker-" + id3 + ".scope\n", id3},
	{"v1 Docker cgroupfs", "4:memory:/docker/" + id3 + "\n1:name=systemd:/docker/" + id3 + "\n0::/\n", id3},
	{"v2 zombie of a removed container", "0::" + podSlice + "cri-containerd-" + id2 + ".scope (deleted)\n", id2},
	{"kind node: inner container", "0::/system.slice/docker-" + id3 + ".scope/kubelet.slice/kubelet-kubepods.slice/cri-containerd-" + id2 + ".scope\n", id2},
	{"kind node: the node itself", "0::/system.slice/docker-" + id3 + ".scope/kubelet.slice\n", id3},
	{"first naming line wins", "2:cpu:/\n1:name=systemd:/docker/" + id3 + "\n0::" + podDir + id2 + "\n", id3},
	{"CRI-O conmon systemd", "0::" + podSlice + "crio-conmon-" + id2 + ".scope\n", ""},
	{"CRI-O conmon cgroupfs", "0::" + podDir + "crio-conmon-" + id2 + "\n", ""},
	{"conmon in a kind node", "0::/system.slice/docker-" + id3 + ".scope/kubepods.slice/crio-conmon-" + id2 + ".scope\n", ""},
	{"CRI-O service", "0::/system.slice/crio.service\n", ""},
	{"init scope", "0::/init.scope\n", ""},
	{"user session", "0::/user.slice/user-1000.slice/session-2.scope\n", ""},
	{"root", "0::/\n", ""},
	{"empty", "", ""},
	{"pod slice only", "0::" + podSlice, ""},
	{"ID too short", "0::" + podDir + id2[:63] + "\n", ""},
	{"ID too long", "0::" + podDir + id2 + "0\n", ""},
	{"non-hex ID", "0::" + podDir + strings.Replace(id2, "a", "g", 1) + "\n", ""},
	{"uppercase ID", "0::" + podDir + strings.ToUpper(id2) + "\n", ""},
	{"ID inside a longer name", "0::" + podDir + "x" + id2 + ".scope\n", ""},
	{"unknown runtime prefix", "0::/system.slice/runtime-" + id2 + ".scope\n", ""},
	{"scope suffix on a bare ID", "0::" + podDir + id2 + ".scope\n", ""},
	{"relative path", "0::kubepods/" + id2 + "\n", ""},
	{"no controller field", "0:/kubepods/" + id2 + "\n", ""},
	{"colon in a cgroup name", "0::/a:b/" + podDir[1:] + id2 + "\n", id2},
	{"forged line after 0::", "0::/user.slice/x\n0::" + podDir + id2 + "\n", ""},
	{"forged v1 line after 0::", "0::/user.slice/x\n5:memory:" + podDir + id2 + "\n", ""},
	{"blank lines at the end", "0::" + podDir + id2 + "\n\n\n", id2},
}

func TestFromCgroup(t *testing.T) {
	for _, tc := range cgroupCases {
		got, ok := FromCgroup([]byte(tc.content))
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("%s: FromCgroup = %q, %v; want %q", tc.name, got, ok, tc.want)
		}
	}
}

func TestFromCgroupFiles(t *testing.T) {
	for file, want := range map[string]string{
		"hybrid-containerd.cgroup":   id1,
		"hybrid-crio-systemd.cgroup": "d188ebff65da0a9cc4c10aefd0bd6470c06f7509b31de368c5ba96534d7deb19",
		"hybrid-host.cgroup":         "",
	} {
		content, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := FromCgroup(content); got != want || ok != (want != "") {
			t.Errorf("%s: FromCgroup = %q, %v; want %q", file, got, ok, want)
		}
	}
}

var statusCases = []struct {
	in, runtime, id string
}{
	{"containerd://" + id1, "containerd", id1},
	{"cri-o://" + id2, "cri-o", id2},
	{"docker://" + id3, "docker", id3},
	{"containerd://" + strings.ToUpper(id1), "", ""},
	{"containerd://" + id1[:63], "", ""},
	{"containerd://" + id1 + "0", "", ""},
	{"containerd://" + id1 + "\n", "", ""},
	{"://" + id1, "", ""},
	{id1, "", ""},
	{"containerd:" + id1, "", ""},
	{"Containerd://" + id1, "", ""},
	{"a/b://" + id1, "", ""},
	{"cri-o://cri-o://" + id1, "", ""},
	{"", "", ""},
}

func TestParseStatusID(t *testing.T) {
	for _, tc := range statusCases {
		runtime, id, err := ParseStatusID(tc.in)
		wantErr := tc.id == ""
		if runtime != tc.runtime || id != tc.id || (err != nil) != wantErr || (wantErr && !errors.Is(err, ErrInvalidID)) {
			t.Errorf("ParseStatusID(%q) = %q, %q, %v; want %q, %q", tc.in, runtime, id, err, tc.runtime, tc.id)
		}
	}
}

func FuzzFromCgroup(f *testing.F) {
	for _, tc := range cgroupCases {
		f.Add([]byte(tc.content))
	}
	f.Fuzz(func(t *testing.T, content []byte) {
		id, ok := FromCgroup(content)
		if ok != (id != "") {
			t.Fatalf("FromCgroup = %q, %v", id, ok)
		}
		if ok && (!isID(id) || !strings.Contains(string(content), id)) {
			t.Fatalf("FromCgroup = %q, not an ID of the content", id)
		}
	})
}

func FuzzParseStatusID(f *testing.F) {
	for _, tc := range statusCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		runtime, id, err := ParseStatusID(s)
		if err != nil {
			if err != ErrInvalidID || runtime != "" || id != "" {
				t.Fatalf("ParseStatusID(%q) = %q, %q, %v", s, runtime, id, err)
			}
			return
		}
		if s != runtime+"://"+id || !isID(id) || !validRuntime(runtime) {
			t.Fatalf("ParseStatusID(%q) = %q, %q", s, runtime, id)
		}
	})
}
