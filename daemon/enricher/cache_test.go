package enricher

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"
	dto "github.com/prometheus/client_model/go"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

func TestPIDCacheExpires(t *testing.T) {
	g := NewWithT(t)
	c := newPIDCache(8, time.Second)
	now := time.Unix(100, 0)
	c.put(1, idWeb, now)
	c.put(2, "", now)
	id, ok := c.get(1, now.Add(time.Second))
	g.Expect(ok).To(BeTrue())
	g.Expect(id).To(Equal(idWeb))
	id, ok = c.get(2, now)
	g.Expect(ok).To(BeTrue(), "host processes are cached too")
	g.Expect(id).To(BeEmpty())
	_, ok = c.get(1, now.Add(time.Second+1))
	g.Expect(ok).To(BeFalse())
}

func TestPIDCacheBounded(t *testing.T) {
	g := NewWithT(t)
	c := newPIDCache(100, time.Hour)
	now := time.Unix(100, 0)
	for pid := 1; pid <= 10_000; pid++ {
		c.put(pid, idWeb, now)
		g.Expect(len(c.entries)).To(BeNumerically("<=", 100))
	}
	_, ok := c.get(10_000, now)
	g.Expect(ok).To(BeTrue(), "the newest entry stays")
	// Expired entries go first.
	c = newPIDCache(4, time.Second)
	for pid := 1; pid <= 3; pid++ {
		c.put(pid, "", now)
	}
	c.put(4, idWeb, now.Add(time.Minute))
	c.put(5, idWeb, now.Add(time.Minute))
	g.Expect(c.entries).To(HaveLen(2))
	g.Expect(c.entries).To(HaveKey(4))
}

func TestNameCache(t *testing.T) {
	g := NewWithT(t)
	c := newNameCache(3)
	for _, tc := range []struct {
		arch string
		id   int
		want string
	}{
		{"c000003e", 59, "execve"},
		{"c00000b7", 221, "execve"},
		{"40000003", 11, "execve"},
		{"40000028", 11, "execve"},
		{"c0000015", 11, "execve"},
		{"80000016", 11, "execve"},
		{"c00000f3", 221, "execve"},
		{"c000003e", 462, "mseal"}, // newer than libseccomp 2.5.4
		{"c000003e", 0x40000000 + 59 + 461, "execve"},
		{"c000003e", -1, ""},
		{"c000003e", 1 << 40, ""},
		{"c000003e", 99999, ""},
		{"deadbeef", 59, ""},
	} {
		g.Expect(c.name(tc.arch, tc.id)).To(Equal(tc.want), "%s %d", tc.arch, tc.id)
	}
	g.Expect(c.names).To(HaveLen(3))
	g.Expect(c.name("c000003e", 59)).To(Equal("execve"), "cached")
}

// TestSeriesBounded: past the label-set limit new executables fold into
// one series per container and syscall.
func TestSeriesBounded(t *testing.T) {
	g := NewWithT(t)
	node := uniqueNode("node-series")
	e, err := New(node, testProc(t), resolver, nil, logr.Discard())
	g.Expect(err).NotTo(HaveOccurred())
	e.seccomp = newSeccompCounters(node, 3)
	e.selinux = newSelinuxCounters(node, 1)
	var records []rawRecord
	for i := range 10 {
		records = append(records, seccompLine(pidWeb, fmt.Sprintf(`"/bin/x%d"`, i), 0))
	}
	records = append(records, rawRecord{text: avcSyslog}, rawRecord{text: strings.Replace(avcSyslog, "var_t", "etc_t", 1)})
	runRecords(t, e, records...)
	g.Expect(e.seccomp.m).To(HaveLen(3))
	g.Expect(value(seccompAudits.WithLabelValues(node, "shop", "web-0", "nginx", "/bin/x2", "read"))).To(Equal(1.0))
	g.Expect(value(seccompAudits.WithLabelValues(node, "shop", "web-0", "nginx", otherLabel, "read"))).To(Equal(7.0))
	g.Expect(value(selinuxAudits.WithLabelValues(node, "jobs", "batch-x", "worker", otherLabel, otherLabel, otherLabel))).To(Equal(1.0))
}

// TestMetricsRegistered: the daemon serves controller-runtime's registry;
// the counters are there with the manual's label names.
func TestMetricsRegistered(t *testing.T) {
	g := NewWithT(t)
	node := uniqueNode("node-registry")
	e, err := New(node, testProc(t), resolver, nil, logr.Discard())
	g.Expect(err).NotTo(HaveOccurred())
	runRecords(t, e, seccompLine(pidWeb, `"/r"`, 0), rawRecord{text: avcSyslog}, rawRecord{err: ErrDropped})
	families, err := metrics.Registry.Gather()
	g.Expect(err).NotTo(HaveOccurred())
	labels := map[string][]string{}
	for _, f := range families {
		labels[f.GetName()] = labelNames(f)
	}
	g.Expect(labels).To(HaveKeyWithValue("security_profiles_operator_seccomp_profile_audit_total",
		[]string{"container", "executable", "namespace", "node", "pod", "syscall"}))
	g.Expect(labels).To(HaveKeyWithValue("security_profiles_operator_selinux_profile_audit_total",
		[]string{"container", "executable", "namespace", "node", "pod", "scontext", "tcontext"}))
	g.Expect(labels).To(HaveKeyWithValue("security_profiles_operator_enricher_records_skipped_total", []string{"reason"}))
	g.Expect(labels).To(HaveKey("security_profiles_operator_enricher_records_dropped_total"))
}

func labelNames(f *dto.MetricFamily) []string {
	var names []string
	for _, m := range f.GetMetric() {
		for _, l := range m.GetLabel() {
			names = append(names, l.GetName())
		}
		break
	}
	slices.Sort(names)
	return names
}
