package enricher

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"

	"github.com/securityprofiles/operator/internal/audit"
)

const testPoll = 5 * time.Millisecond

func appendTo(t testing.TB, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}

func openTestFile(t *testing.T, content string) (*fileSource, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.log")
	appendTo(t, path, content)
	src, err := openFile(path, testPoll)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src, path
}

// nextLine reads the next line or error, failing after a second.
func nextLine(t *testing.T, src Source) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	typ, text, err := src.Next(ctx)
	if typ != 0 {
		t.Fatalf("file source returned message type %d", typ)
	}
	return string(text), err
}

func expectLines(t *testing.T, src Source, want ...string) {
	t.Helper()
	for _, w := range want {
		got, err := nextLine(t, src)
		if err != nil || got != w {
			t.Fatalf("want line %q, got %q, %v", w, got, err)
		}
	}
}

func TestFileStartsAtEnd(t *testing.T) {
	src, path := openTestFile(t, "old 1\nold 2\n")
	appendTo(t, path, "new 1\nnew 2\n")
	expectLines(t, src, "new 1", "new 2")
}

func TestFileStartsMidLine(t *testing.T) {
	src, path := openTestFile(t, "old 1\nhalf of a li")
	appendTo(t, path, "ne\nnew 1\n")
	expectLines(t, src, "new 1")
}

func TestFileWaitsForWholeLine(t *testing.T) {
	src, path := openTestFile(t, "")
	appendTo(t, path, "first ha")
	go func() {
		time.Sleep(20 * time.Millisecond)
		appendTo(t, path, "lf\n")
	}()
	expectLines(t, src, "first half")
}

// TestFileFollowsRename: logrotate renames the file, the writer finishes
// with the old one and then writes a new file at the path.
func TestFileFollowsRename(t *testing.T) {
	src, path := openTestFile(t, "old\n")
	appendTo(t, path, "line 1\n")
	expectLines(t, src, "line 1")
	g := NewWithT(t)
	g.Expect(os.Rename(path, path+".1")).To(Succeed())
	appendTo(t, path+".1", "line 2, late in the old file\n")
	appendTo(t, path, "line 3\n")
	expectLines(t, src, "line 2, late in the old file", "line 3")
	appendTo(t, path, "line 4\n")
	expectLines(t, src, "line 4")
}

// TestFileWaitsForRecreatedFile: between rename and create the path is
// missing; the source keeps waiting for it.
func TestFileWaitsForRecreatedFile(t *testing.T) {
	src, path := openTestFile(t, "")
	g := NewWithT(t)
	g.Expect(os.Rename(path, path+".1")).To(Succeed())
	go func() {
		time.Sleep(30 * time.Millisecond)
		appendTo(t, path, "after the gap\n")
	}()
	expectLines(t, src, "after the gap")
}

// TestFileFollowsTruncation: copytruncate empties the file in place; the
// new content is longer than what was read since the start but shorter
// than the old file.
func TestFileFollowsTruncation(t *testing.T) {
	src, path := openTestFile(t, strings.Repeat("old\n", 50))
	appendTo(t, path, "b\n")
	expectLines(t, src, "b")
	g := NewWithT(t)
	g.Expect(os.Truncate(path, 0)).To(Succeed())
	appendTo(t, path, "after truncation\n")
	expectLines(t, src, "after truncation")
}

// TestFileDrainsRotatedFile: lines the writer adds to the old file after
// the source reached its end but before the source notices the rename are
// still read, before the new file's.
func TestFileDrainsRotatedFile(t *testing.T) {
	src, path := openTestFile(t, "")
	appendTo(t, path, "line 1\n")
	expectLines(t, src, "line 1")
	g := NewWithT(t)
	g.Expect(os.Rename(path, path+".1")).To(Succeed())
	appendTo(t, path+".1", "line 2\n")
	appendTo(t, path, "line 3\n")
	// As if Next had just seen the end of the old file.
	g.Expect(src.reopened()).To(BeTrue())
	expectLines(t, src, "line 2", "line 3")
}

// TestFileSkipsOverlongLines: a line of the maximum length passes; longer
// ones are reported once each and skipped, and a 16 MiB one is streamed
// past rather than buffered.
func TestFileSkipsOverlongLines(t *testing.T) {
	g := NewWithT(t)
	src, path := openTestFile(t, "")
	maxLine := strings.Repeat("m", audit.MaxRecordLength)
	appendTo(t, path, maxLine+"\n"+maxLine+"x\nok 1\n")
	got, err := nextLine(t, src)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got).To(Equal(maxLine))
	_, err = nextLine(t, src)
	g.Expect(err).To(MatchError(audit.ErrTooLong))
	expectLines(t, src, "ok 1")

	huge := bytes.Repeat([]byte("h"), 16<<20)
	appendTo(t, path, string(huge)+"\nok 2\n")
	huge = nil
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err = nextLine(t, src)
	g.Expect(err).To(MatchError(audit.ErrTooLong))
	expectLines(t, src, "ok 2")
	runtime.ReadMemStats(&after)
	g.Expect(after.TotalAlloc-before.TotalAlloc).To(BeNumerically("<", 1<<20), "bytes allocated while skipping")
	g.Expect(cap(src.buf)).To(Equal(fileBufferSize))
}

func TestFileNextHonoursContext(t *testing.T) {
	g := NewWithT(t)
	src, _ := openTestFile(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, _, err := src.Next(ctx)
	g.Expect(err).To(MatchError(context.DeadlineExceeded))
}

func TestOpenFileRejectsNonRegular(t *testing.T) {
	g := NewWithT(t)
	_, err := openFile(t.TempDir(), testPoll)
	g.Expect(err).To(HaveOccurred())
	_, err = openFile(os.DevNull, testPoll)
	g.Expect(err).To(HaveOccurred())
	_, err = openFile(filepath.Join(t.TempDir(), "missing"), testPoll)
	g.Expect(err).To(HaveOccurred())
}

// TestRunOverAuditLog: records appended to audit.log reach the metrics.
func TestRunOverAuditLog(t *testing.T) {
	g := NewWithT(t)
	src, path := openTestFile(t, seccompLine(pidWeb, `"/old"`, 50).text+"\n")
	node := uniqueNode("node-file")
	e, err := New(node, testProc(t), resolver, nil, logr.Discard())
	g.Expect(err).NotTo(HaveOccurred())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx, src) }()
	appendTo(t, path, seccompLine(pidWeb, `"/new"`, 50).text+"\n"+strings.Repeat("z", 3*fileBufferSize)+"\n")
	g.Eventually(func() float64 {
		return value(seccompAudits.WithLabelValues(node, "shop", "web-0", "nginx", "/new", "listen"))
	}).WithTimeout(2 * time.Second).Should(Equal(1.0))
	cancel()
	g.Expect(<-done).To(Succeed())
	g.Expect(value(seccompAudits.WithLabelValues(node, "shop", "web-0", "nginx", "/old", "listen"))).To(BeZero())
}
