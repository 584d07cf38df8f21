package enricher

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"

	"github.com/securityprofiles/operator/internal/audit"
)

const (
	idWeb   = "1111111111111111111111111111111111111111111111111111111111111111"
	idBatch = "2222222222222222222222222222222222222222222222222222222222222222"
	idGone  = "3333333333333333333333333333333333333333333333333333333333333333"
)

// Pids of the fake /proc.
const (
	pidWeb     = 4100 // in container idWeb
	pidHost    = 4200 // on the host
	pidUnknown = 4300 // in container idGone, which the resolver does not know
	pidExited  = 4400 // no /proc entry
	pidBatch   = 4500 // in container idBatch
)

var resolver = mapResolver{
	idWeb:   {Namespace: "shop", Pod: "web-0", Name: "nginx", ID: idWeb},
	idBatch: {Namespace: "jobs", Pod: "batch-x", Name: "worker", ID: idBatch},
}

func testProc(t testing.TB) string {
	dir := t.TempDir()
	fakeProc(t, dir, pidWeb, containerCgroup(idWeb))
	fakeProc(t, dir, pidHost, "0::/system.slice/cron.service\n")
	fakeProc(t, dir, pidUnknown, containerCgroup(idGone))
	// cgroup v1 with the container ID in the cgroupfs-driver shape.
	fakeProc(t, dir, pidBatch, "12:pids:/kubepods/burstable/pod5e8f/"+idBatch+"\n11:memory:/kubepods/burstable/pod5e8f/"+idBatch+"\n")
	return dir
}

func seccompBody(pid int, exe string, syscall int) string {
	return fmt.Sprintf(`auid=4294967295 uid=101 gid=101 ses=4294967295 pid=%d comm="app" exe=%s sig=0 arch=c000003e syscall=%d compat=0 ip=0x7f00deadbeef code=0x7ffc0000`,
		pid, exe, syscall)
}

// seccompLine is an audit.log line; exe is written as is (quoted or hex).
func seccompLine(pid int, exe string, syscall int) rawRecord {
	return rawRecord{text: "type=SECCOMP msg=audit(1712000000.250:801): " + seccompBody(pid, exe, syscall)}
}

func seccompNetlink(pid int, exe string, syscall int) rawRecord {
	return rawRecord{msgType: audit.TypeSeccomp, text: "audit(1712000000.251:802): " + seccompBody(pid, exe, syscall)}
}

const avcSyslog = `Apr  1 10:00:00 node-a kernel: [ 99.000001] audit: type=1400 audit(1712000001.500:900): avc:  denied  { read write } for  pid=4500 comm="worker" path="/data/x" dev="sda1" ino=42 scontext=system_u:system_r:container_t:s0:c1,c2 tcontext=system_u:object_r:var_t:s0 tclass=file permissive=0`

func skipped(reason string) float64 { return value(recordsSkipped.WithLabelValues(reason)) }

// skippedDelta returns a function giving how much each reason grew.
func skippedDelta() func() map[string]float64 {
	reasons := []string{ReasonTooLong, ReasonMalformed, ReasonProcessGone, ReasonProcUnreadable, ReasonHostProcess, ReasonUnknownContainer}
	before := map[string]float64{}
	for _, r := range reasons {
		before[r] = skipped(r)
	}
	return func() map[string]float64 {
		d := map[string]float64{}
		for _, r := range reasons {
			if v := skipped(r) - before[r]; v != 0 {
				d[r] = v
			}
		}
		return d
	}
}

func runRecords(t *testing.T, e *Enricher, records ...rawRecord) {
	t.Helper()
	err := e.Run(context.Background(), &sliceSource{records: records})
	if err == nil || !strings.Contains(err.Error(), errEnd.Error()) {
		t.Fatalf("Run: want the source's error, got %v", err)
	}
}

func TestPipelineAttributesAndCounts(t *testing.T) {
	g := NewWithT(t)
	logs := &logLines{}
	sink := &recordingSink{}
	node := uniqueNode("node-pipeline")
	e, err := New(node, testProc(t), resolver, sink, logs.logger(0))
	g.Expect(err).NotTo(HaveOccurred())
	delta := skippedDelta()
	dropped := value(recordsDropped)

	runRecords(t, e,
		seccompLine(pidWeb, `"/usr/sbin/nginx"`, 50),
		seccompNetlink(pidWeb, `"/usr/sbin/nginx"`, 50),
		seccompLine(pidBatch, `"/bin/worker"`, 0),
		seccompLine(pidHost, `"/usr/sbin/cron"`, 1),
		seccompLine(pidUnknown, `"/app"`, 1),
		seccompLine(pidExited, `"/app"`, 1),
		rawRecord{text: "Apr  1 10:00:00 node-a systemd[1]: Started cron.service."},
		rawRecord{msgType: 1300, text: "audit(1712000000.250:801): arch=c000003e syscall=59 success=yes"},
		rawRecord{text: "type=SECCOMP msg=audit(1712000000.250:801): pid=4100 syscall=banana"},
		rawRecord{err: audit.ErrTooLong},
		rawRecord{err: ErrDropped},
	)

	g.Expect(logs.matching(`"msg"="audit"`)).To(Equal([]string{
		`"level"=0 "msg"="audit" "node"="` + node + `" "namespace"="shop" "pod"="web-0" "container"="nginx" "executable"="/usr/sbin/nginx" "pid"=4100 "syscallID"=50 "syscallName"="listen" "timestamp"="1712000000.250:801" "type"="seccomp"`,
		`"level"=0 "msg"="audit" "node"="` + node + `" "namespace"="shop" "pod"="web-0" "container"="nginx" "executable"="/usr/sbin/nginx" "pid"=4100 "syscallID"=50 "syscallName"="listen" "timestamp"="1712000000.251:802" "type"="seccomp"`,
		`"level"=0 "msg"="audit" "node"="` + node + `" "namespace"="jobs" "pod"="batch-x" "container"="worker" "executable"="/bin/worker" "pid"=4500 "syscallID"=0 "syscallName"="read" "timestamp"="1712000000.250:801" "type"="seccomp"`,
	}))
	g.Expect(logs.matching("not attributed")).To(BeEmpty(), "V(1) only")
	g.Expect(value(seccompAudits.WithLabelValues(node, "shop", "web-0", "nginx", "/usr/sbin/nginx", "listen"))).To(Equal(2.0))
	g.Expect(value(seccompAudits.WithLabelValues(node, "jobs", "batch-x", "worker", "/bin/worker", "read"))).To(Equal(1.0))
	g.Expect(delta()).To(Equal(map[string]float64{
		ReasonHostProcess: 1, ReasonUnknownContainer: 1, ReasonProcessGone: 1, ReasonMalformed: 1, ReasonTooLong: 1,
	}))
	g.Expect(value(recordsDropped) - dropped).To(Equal(1.0))
	calls := sink.snapshot()
	g.Expect(calls).To(HaveLen(4))
	g.Expect(calls[0].c).To(Equal(resolver[idWeb]))
	g.Expect(calls[0].syscall).To(Equal("listen"))
	g.Expect(calls[0].r.Comm).To(Equal("app"))
	// A container no pod claims yet reaches the sink by ID alone; host
	// processes and exited ones do not.
	g.Expect(calls[3].c).To(Equal(Container{ID: idGone}))
	g.Expect(calls[3].syscall).To(Equal("write"))
}

// TestSinkGetsSelinuxOfUnknownContainers: SELinux records of a container
// no pod claims are not logged but reach the sink by ID alone, as seccomp
// ones do: a SELinux recording needs the container's first denials.
func TestSinkGetsSelinuxOfUnknownContainers(t *testing.T) {
	g := NewWithT(t)
	logs := &logLines{}
	sink := &recordingSink{}
	e, err := New(uniqueNode("node-sink"), testProc(t), resolver, sink, logs.logger(0))
	g.Expect(err).NotTo(HaveOccurred())
	runRecords(t, e, rawRecord{text: strings.Replace(avcSyslog, "pid=4500", "pid=4300", 1)})
	g.Expect(logs.matching(`"msg"="audit"`)).To(BeEmpty())
	g.Expect(sink.snapshot()).To(HaveLen(1))
	g.Expect(sink.snapshot()[0].c).To(Equal(Container{ID: idGone}))
	g.Expect(sink.snapshot()[0].r.Tclass).To(Equal("file"))
	g.Expect(sink.snapshot()[0].syscall).To(BeEmpty())
}

func TestPipelineUnattributedAtV1(t *testing.T) {
	g := NewWithT(t)
	logs := &logLines{}
	e, err := New("node-v1", testProc(t), resolver, nil, logs.logger(1))
	g.Expect(err).NotTo(HaveOccurred())
	runRecords(t, e, seccompLine(pidHost, `"/usr/sbin/cron"`, 1), seccompLine(pidUnknown, `"/app"`, 1))
	lines := logs.matching("not attributed")
	g.Expect(lines).To(HaveLen(2))
	g.Expect(lines[0]).To(ContainSubstring(`"level"=1`))
	g.Expect(lines[0]).To(ContainSubstring(`"reason"="host_process"`))
	g.Expect(lines[1]).To(ContainSubstring(`"reason"="unknown_container" "type"="seccomp" "pid"=4300 "executable"="/app" "containerID"="` + idGone + `"`))
	g.Expect(logs.matching(`"msg"="audit"`)).To(BeEmpty())
}

func TestPipelineSelinux(t *testing.T) {
	g := NewWithT(t)
	logs := &logLines{}
	sink := &recordingSink{}
	node := uniqueNode("node-selinux")
	e, err := New(node, testProc(t), resolver, sink, logs.logger(0))
	g.Expect(err).NotTo(HaveOccurred())
	runRecords(t, e, rawRecord{text: avcSyslog})
	g.Expect(logs.matching(`"msg"="audit"`)).To(Equal([]string{
		`"level"=0 "msg"="audit" "node"="` + node + `" "namespace"="jobs" "pod"="batch-x" "container"="worker" "executable"="" "pid"=4500 "perm"="read,write" "scontext"="system_u:system_r:container_t:s0:c1,c2" "tcontext"="system_u:object_r:var_t:s0" "tclass"="file" "timestamp"="1712000001.500:900" "type"="selinux"`,
	}))
	g.Expect(value(selinuxAudits.WithLabelValues(node, "jobs", "batch-x", "worker", "",
		"system_u:system_r:container_t:s0:c1,c2", "system_u:object_r:var_t:s0"))).To(Equal(1.0))
	g.Expect(sink.snapshot()).To(HaveLen(1))
	g.Expect(sink.snapshot()[0].syscall).To(BeEmpty())
}

// TestPipelineUntrustedValues: numbers nobody can name and exe paths
// that are not UTF-8 (Prometheus panics on those) are reported safely.
func TestPipelineUntrustedValues(t *testing.T) {
	g := NewWithT(t)
	logs := &logLines{}
	node := uniqueNode("node-untrusted")
	e, err := New(node, testProc(t), resolver, nil, logs.logger(0))
	g.Expect(err).NotTo(HaveOccurred())
	runRecords(t, e,
		seccompLine(pidWeb, "2F746D702FFE", 99999), // "/tmp/\xfe"
		seccompLine(pidWeb, `"/x"`, 0x40000000),    // x32 read
	)
	g.Expect(value(seccompAudits.WithLabelValues(node, "shop", "web-0", "nginx", "/tmp/\uFFFD", "unknown"))).To(Equal(1.0))
	g.Expect(value(seccompAudits.WithLabelValues(node, "shop", "web-0", "nginx", "/x", "read"))).To(Equal(1.0))
	lines := logs.matching(`"msg"="audit"`)
	g.Expect(lines).To(HaveLen(2))
	g.Expect(lines[0]).To(ContainSubstring(`"syscallID"=99999 "syscallName"=""`))
}

// TestPipelinePIDCache: a pid's container is remembered for the TTL only.
func TestPipelinePIDCache(t *testing.T) {
	g := NewWithT(t)
	proc := testProc(t)
	node := uniqueNode("node-cache")
	e, err := New(node, proc, resolver, nil, logr.Discard())
	g.Expect(err).NotTo(HaveOccurred())
	now := time.Unix(1712000000, 0)
	e.now = func() time.Time { return now }
	delta := skippedDelta()
	runRecords(t, e, seccompLine(pidWeb, `"/a"`, 0))
	g.Expect(os.RemoveAll(filepath.Join(proc, fmt.Sprint(pidWeb)))).To(Succeed())
	runRecords(t, e, seccompLine(pidWeb, `"/a"`, 0))
	g.Expect(value(seccompAudits.WithLabelValues(node, "shop", "web-0", "nginx", "/a", "read"))).To(Equal(2.0))
	g.Expect(delta()).To(BeEmpty())
	now = now.Add(pidCacheTTL + time.Millisecond)
	runRecords(t, e, seccompLine(pidWeb, `"/a"`, 0))
	g.Expect(delta()).To(Equal(map[string]float64{ReasonProcessGone: 1}))
}

func TestNewNeedsNodeAndResolver(t *testing.T) {
	g := NewWithT(t)
	_, err := New("", "/proc", resolver, nil, logr.Discard())
	g.Expect(err).To(HaveOccurred())
	_, err = New("n", "/proc", nil, nil, logr.Discard())
	g.Expect(err).To(HaveOccurred())
}

// TestRunStopsWithContext: cancelling ends Run without an error.
func TestRunStopsWithContext(t *testing.T) {
	g := NewWithT(t)
	node := uniqueNode("node-stop")
	e, err := New(node, t.TempDir(), resolver, nil, logr.Discard())
	g.Expect(err).NotTo(HaveOccurred())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	g.Expect(e.Run(ctx, &sliceSource{})).To(Succeed())
}
