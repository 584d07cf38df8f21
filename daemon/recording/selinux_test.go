package recording

import (
	"fmt"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/securityprofiles/operator/apis/keys"
	selinuxprofilev1alpha2 "github.com/securityprofiles/operator/apis/selinuxprofile/v1alpha2"
	"github.com/securityprofiles/operator/daemon/enricher"
	"github.com/securityprofiles/operator/internal/audit"
)

// Contexts of an nginx container recorded with the recording type, and of
// a confined container next to it.
const (
	recorded = "system_u:system_r:selinuxrecording.process:s0:c118,c620"
	confined = "system_u:system_r:container_t:s0:c4,c808"
)

// avcKernel is an AVC record as the kernel writes it (netlink, dmesg);
// avcAuditd is one as auditd writes it to audit.log.
func avcKernel(serial int, perms, extra, scontext, tcontext, tclass string) string {
	return fmt.Sprintf(`type=1400 audit(1718031642.%03d:%d): avc:  denied  { %s } for  pid=48211 comm="nginx" %s scontext=%s tcontext=%s tclass=%s permissive=1`,
		serial%1000, serial, perms, extra, scontext, tcontext, tclass)
}

func avcAuditd(serial int, perms, extra, scontext, tcontext, tclass string) string {
	return fmt.Sprintf(`type=AVC msg=audit(1718031643.%03d:%d): avc:  denied  { %s } for  pid=48211 comm="nginx" %s scontext=%s tcontext=%s tclass=%s permissive=1`,
		serial%1000, serial, perms, extra, scontext, tcontext, tclass)
}

// nginxDenials are what an nginx container logs under the recording type
// when it writes its log and listens on 8080, with a record of a confined
// container and one naming a type the API refuses.
var nginxDenials = []string{
	avcKernel(211, "read write", `name="access.log" dev="overlay" ino=2498817`, recorded, "system_u:object_r:var_log_t:s0", "file"),
	avcAuditd(212, "open", `path="/var/log/nginx/access.log" dev="overlay" ino=2498817`, recorded, "system_u:object_r:var_log_t:s0", "file"),
	avcKernel(213, "write", `name="access.log" dev="overlay" ino=2498817`, recorded, "system_u:object_r:var_log_t:s0", "file"),
	avcAuditd(214, "name_bind", "src=8080", recorded, "system_u:object_r:http_cache_port_t:s0", "tcp_socket"),
	avcKernel(215, "node_bind", "saddr=0.0.0.0 src=8080", recorded, "system_u:object_r:node_t:s0", "tcp_socket"),
	// The socket is labelled with its creator's context: the container's own type.
	avcAuditd(216, "listen", "lport=8080", recorded, recorded, "tcp_socket"),
	avcKernel(217, "read", `name="token" dev="tmpfs" ino=612459`, confined, "system_u:object_r:var_lib_t:s0", "lnk_file"),
	avcAuditd(218, "getattr read", `path="/x" dev="overlay" ino=7`, recorded, "system_u:object_r:odd,type_t:s0", "file"),
}

// record feeds lines to a Sink as the log enricher does for a container.
func record(t *testing.T, b *LogBackend, id string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		r, err := audit.ParseLine(l)
		if err != nil {
			t.Fatalf("parse %q: %v", l, err)
		}
		Sink{Backend: b}.Audit(enricher.Container{ID: id}, r, "")
	}
}

func TestDenialsOfTheRecordingTypeBecomeTheAllowMap(t *testing.T) {
	g := NewWithT(t)
	b := &LogBackend{}
	record(t, b, id1, nginxDenials...)
	record(t, b, id2, nginxDenials[0])
	got, err := b.Collect(id1)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got.Found).To(BeTrue())
	g.Expect(got.Incomplete).To(Equal("2 denied permissions named a type, class or permission the SelinuxProfile API does not accept and were dropped"))

	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "web", Name: "nginx-0"}}
	sp, dropped := SelinuxProfile(Recorded{Pod: pod, Target: Target{Container: "nginx", Recording: "rec", Kind: "SelinuxProfile"}, Denials: got.Denials})
	g.Expect(dropped).To(BeZero())
	g.Expect(sp.Name).To(Equal("rec-nginx"))
	g.Expect(sp.Namespace).To(Equal("web"))
	g.Expect(sp.Kind).To(Equal("SelinuxProfile"))
	g.Expect(sp.Labels).To(Equal(map[string]string{keys.RecordingIDLabel: "rec"}))
	g.Expect(sp.Spec.Inherit).To(Equal([]selinuxprofilev1alpha2.PolicyRef{{Kind: selinuxprofilev1alpha2.PolicyKindSystem, Name: "container"}}))
	g.Expect(sp.Spec.Allow).To(Equal(selinuxprofilev1alpha2.Allow{
		"@self":             {"tcp_socket": {"listen"}},
		"http_cache_port_t": {"tcp_socket": {"name_bind"}},
		"node_t":            {"tcp_socket": {"node_bind"}},
		"var_log_t":         {"file": {"open", "read", "write"}},
	}))

	other, _ := b.Collect(id2)
	g.Expect(other.Denials).To(Equal([]Denial{{"var_log_t", "file", "read"}, {"var_log_t", "file", "write"}}))
	g.Expect(other.Incomplete).To(BeEmpty())
}

func TestOnlyTheRecordingTypeIsRecorded(t *testing.T) {
	g := NewWithT(t)
	b := &LogBackend{}
	record(t, b, id1, nginxDenials[6])
	got, _ := b.Collect(id1)
	g.Expect(got).To(Equal(Collected{}), "a confined container's denial is policy at work")
}

func TestDenialNamesFollowTheAPIRules(t *testing.T) {
	ok := audit.Record{Kind: audit.KindSelinux, Scontext: recorded, Tclass: "file", Perms: []string{"read"}}
	for _, c := range []struct {
		tcontext string
		want     []Denial
		invalid  int
	}{
		{"system_u:object_r:container_file_t:s0", []Denial{{"container_file_t", "file", "read"}}, 0},
		{"system_u:object_r:Mixed.Case-type_t:s0-s0:c0.c1023", []Denial{{"Mixed.Case-type_t", "file", "read"}}, 0},
		{"user_u:role_r:no_level_t", []Denial{{"no_level_t", "file", "read"}}, 0},
		{"user_u:role_r", nil, 1},
		{"u:r:" + strings.Repeat("t", maxTypeLength) + ":s0", []Denial{{strings.Repeat("t", maxTypeLength), "file", "read"}}, 0},
		{"u:r:" + strings.Repeat("t", maxTypeLength+1) + ":s0", nil, 1},
		{"u:r:a,b:s0", nil, 1},
		{"u:r::s0", nil, 1},
	} {
		r := ok
		r.Tcontext = c.tcontext
		ds, invalid, ours := avcDenials(r)
		if !ours || invalid != c.invalid || fmt.Sprint(ds) != fmt.Sprint(c.want) {
			t.Errorf("tcontext %s: got %v, %d invalid, ours %v; want %v, %d invalid", c.tcontext, ds, invalid, ours, c.want, c.invalid)
		}
	}
	// Names the kernel would never write but a record could carry.
	r := ok
	r.Tcontext = "u:r:t:s0"
	r.Perms = []string{"read", "Write", strings.Repeat("p", maxPermLength+1)}
	ds, invalid, _ := avcDenials(r)
	if len(ds) != 1 || invalid != 2 {
		t.Errorf("perms: got %v, %d invalid; want read and 2 invalid", ds, invalid)
	}
	r.Tclass = "Tcp_socket"
	if ds, invalid, _ := avcDenials(r); ds != nil || invalid != 3 {
		t.Errorf("class: got %v, %d invalid; want none and 3 invalid", ds, invalid)
	}
}

func TestAllowMapStaysWithinTheAPILimits(t *testing.T) {
	g := NewWithT(t)
	var ds []Denial
	for i := range maxAllowTypes + 3 {
		ds = append(ds, Denial{fmt.Sprintf("type%03d_t", i), "file", "read"})
	}
	for i := range maxAllowClasses + 2 {
		ds = append(ds, Denial{"type000_t", fmt.Sprintf("class%02d", i), "read"})
	}
	allow, dropped := selinuxAllow(ds)
	g.Expect(allow).To(HaveLen(maxAllowTypes))
	g.Expect(allow).NotTo(HaveKey(selinuxprofilev1alpha2.LabelKey(fmt.Sprintf("type%03d_t", maxAllowTypes))))
	g.Expect(allow["type000_t"]).To(HaveLen(maxAllowClasses))
	g.Expect(dropped).To(Equal(3 + 3)) // 3 types, and 3 of type000_t's 67 classes

	b, err := build(Recorded{Pod: &corev1.Pod{}, Target: Target{Kind: "SelinuxProfile"}, Denials: ds}, true)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(b.dropped).To(HavePrefix("6 denials did not fit"))
	g.Expect(b.obj.(*selinuxprofilev1alpha2.SelinuxProfile).Spec.Disabled).To(BeTrue())
}

func TestLogBackendBoundsDenialsPerContainer(t *testing.T) {
	g := NewWithT(t)
	b := &LogBackend{}
	for i := range maxLogDenials + 5 {
		b.Denied(id1, []Denial{{fmt.Sprintf("t%d_t", i), "file", "read"}, {"t0_t", "file", "read"}}, 0)
	}
	got, _ := b.Collect(id1)
	g.Expect(got.Denials).To(HaveLen(maxLogDenials))
	g.Expect(got.Incomplete).To(Equal(fmt.Sprintf("5 denials beyond the first %d distinct ones were dropped", maxLogDenials)))
}

func TestAContainerDeniedNothingGetsTheBasePolicy(t *testing.T) {
	g := NewWithT(t)
	replica := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web-7d4b9-x2k8q", GenerateName: "web-7d4b9-"}}
	b, err := build(Recorded{Pod: replica, Target: Target{Container: "app", Recording: "rec", Kind: "SelinuxProfile"}, MergeContainers: true}, false)
	g.Expect(err).NotTo(HaveOccurred())
	sp := b.obj.(*selinuxprofilev1alpha2.SelinuxProfile)
	g.Expect(sp.Spec.Allow).To(BeNil())
	g.Expect(sp.Spec.Inherit).To(HaveLen(1))
	g.Expect(sp.Name).To(Equal("rec-app-x2k8q"))
	g.Expect(sp.Labels).To(Equal(map[string]string{keys.RecordingIDLabel: "rec", keys.PartialLabel: "true",
		keys.ContainerIDLabel: "app", keys.ProfileIDLabel: "SelinuxProfile-rec-app-x2k8q"}))
	g.Expect(b.summary).To(HavePrefix("no denials"))

	// Silence is a profile for SELinux, not for seccomp, nor for a
	// container SELinux never confined.
	tr := &tracked{privileged: map[string]bool{"priv": true}}
	g.Expect(silenceIsAProfile(tr, Target{Container: "app", Kind: "SelinuxProfile"})).To(BeTrue())
	g.Expect(silenceIsAProfile(tr, Target{Container: "priv", Kind: "SelinuxProfile"})).To(BeFalse())
	g.Expect(silenceIsAProfile(tr, Target{Container: "app", Kind: "SeccompProfile"})).To(BeFalse())
}
