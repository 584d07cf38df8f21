package audit

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// Example records, shaped like the kernel's and auditd's.
const (
	seccompBody = `auid=1000 uid=0 gid=0 ses=7 subj=system_u:system_r:container_t:s0:c1,c2 pid=31337 comm="nginx" exe="/usr/sbin/nginx" sig=0 arch=c000003e syscall=50 compat=0 ip=0x7f1234abcd00 code=0x7ffc0000`
	seccompLog  = `type=SECCOMP msg=audit(1700000000.123:4567): ` + seccompBody
	seccompNL   = `audit(1700000000.123:4567): ` + seccompBody

	armBody = `auid=4294967295 uid=1000 gid=1000 ses=4294967295 pid=4242 comm="redis-server" exe="/usr/local/bin/redis-server" sig=0 arch=c00000b7 syscall=203 compat=0 ip=0xffff8a1b2c3d code=0x7ffc0000`
	armKern = `audit: type=1326 audit(1700000100.005:99): ` + armBody

	avcBody = `avc:  denied  { getattr open read } for  pid=900 comm="cat" path="/etc/shadow" dev="vda1" ino=1234 scontext=system_u:system_r:container_t:s0:c10,c20 tcontext=system_u:object_r:shadow_t:s0 tclass=file permissive=0`
	avcLog  = `type=AVC msg=audit(1700000200.777:12): ` + avcBody
	avcNL   = `audit(1700000200.777:12): ` + avcBody

	bindKern = `Mar  3 09:15:01 node-1 kernel: [ 4521.000123] audit: type=1400 audit(1700000300.010:55): avc:  denied  { name_bind } for  pid=77 comm="python3" src=8080 scontext=system_u:system_r:spc_t:s0 tcontext=system_u:object_r:http_cache_port_t:s0 tclass=tcp_socket permissive=1`
)

var (
	seccompRec = Record{
		Kind: KindSeccomp, Timestamp: "1700000000.123:4567", PID: 31337,
		Executable: "/usr/sbin/nginx", Comm: "nginx", SyscallID: 50, Arch: "c000003e", Action: "0x7ffc0000",
	}
	armRec = Record{
		Kind: KindSeccomp, Timestamp: "1700000100.005:99", PID: 4242,
		Executable: "/usr/local/bin/redis-server", Comm: "redis-server", SyscallID: 203, Arch: "c00000b7", Action: "0x7ffc0000",
	}
	avcRec = Record{
		Kind: KindSelinux, Timestamp: "1700000200.777:12", PID: 900, Comm: "cat",
		Perms:    []string{"getattr", "open", "read"},
		Scontext: "system_u:system_r:container_t:s0:c10,c20", Tcontext: "system_u:object_r:shadow_t:s0", Tclass: "file",
	}
	bindRec = Record{
		Kind: KindSelinux, Timestamp: "1700000300.010:55", PID: 77, Comm: "python3", Perms: []string{"name_bind"},
		Scontext: "system_u:system_r:spc_t:s0", Tcontext: "system_u:object_r:http_cache_port_t:s0", Tclass: "tcp_socket",
		Permissive: true,
	}
)

// with returns r changed by f.
func with(r Record, f func(*Record)) Record {
	f(&r)
	return r
}

type lineCase struct {
	name, line string
	want       Record
	err        error
}

var lineCases = []lineCase{
	{name: "audit.log SECCOMP", line: seccompLog, want: seccompRec},
	{name: "auditd node prefix", line: "node=worker-2 " + seccompLog, want: seccompRec},
	{name: "trailing CRLF", line: seccompLog + "\r\n", want: seccompRec},
	{name: "auditd enriched", line: seccompLog + "\x1dAUID=\"alice\" UID=\"root\" ARCH=x86_64 SYSCALL=listen pid=1", want: seccompRec},
	{name: "enriched without separator", line: seccompLog + `AUID="unset" UID="root" GID="root" ARCH=x86_64 SYSCALL=listen`, want: seccompRec},
	{name: "auditd unknown type name", line: strings.Replace(seccompLog, "SECCOMP", "UNKNOWN[1326]", 1), want: seccompRec},
	{name: "dmesg without time", line: armKern, want: armRec},
	{name: "dmesg with time", line: "[  812.334455] " + armKern, want: armRec},
	{name: "syslog kernel", line: "Mar  3 09:15:01 node-1 kernel: [ 4521.000123] " + armKern, want: armRec},
	{name: "journal kernel", line: "Mar 03 09:15:01 node-1 kernel: " + armKern, want: armRec},
	{name: "AVC several perms", line: avcLog, want: avcRec},
	{name: "AVC permissive syslog", line: bindKern, want: bindRec},
	{name: "AVC single spaces", line: strings.NewReplacer("avc:  denied  {", "avc: denied {", "for  pid", "for pid").Replace(avcLog), want: avcRec},
	{name: "AVC unknown perm bits", line: strings.Replace(avcLog, "{ getattr open read }", "{ 0x800000 }", 1),
		want: with(avcRec, func(r *Record) { r.Perms = []string{"0x800000"} })},
	{name: "AVC without permissive", line: strings.TrimSuffix(avcLog, " permissive=0"), want: avcRec},
	{name: "AVC with exe", line: strings.Replace(avcLog, ` path=`, ` exe="/usr/bin/cat" path=`, 1),
		want: with(avcRec, func(r *Record) { r.Executable = "/usr/bin/cat" })},
	{name: "hex comm and exe", line: strings.NewReplacer(`comm="nginx"`, "comm=6D7920617070", `exe="/usr/sbin/nginx"`, "exe=2F6F70742F6D79206170702F62696E").Replace(seccompLog),
		want: with(seccompRec, func(r *Record) { r.Comm, r.Executable = "my app", "/opt/my app/bin" })},
	{name: "missing exe", line: strings.Replace(seccompLog, ` exe="/usr/sbin/nginx"`, "", 1),
		want: with(seccompRec, func(r *Record) { r.Executable = "" })},
	{name: "exe (null)", line: strings.Replace(seccompLog, `exe="/usr/sbin/nginx"`, "exe=(null)", 1),
		want: with(seccompRec, func(r *Record) { r.Executable = "" })},
	{name: "x32 syscall", line: strings.Replace(seccompLog, "syscall=50 ", "syscall=1073741874 ", 1),
		want: with(seccompRec, func(r *Record) { r.SyscallID = 1073741874 })},
	{name: "forged quoted comm", line: strings.Replace(armKern, `comm="redis-server"`, `comm="x syscall=0 pid=1"`, 1),
		want: with(armRec, func(r *Record) { r.Comm = "x syscall=0 pid=1" })},
	{name: "forged hex comm", line: strings.Replace(armKern, `comm="redis-server"`, "comm=782073797363616C6C3D30", 1),
		want: with(armRec, func(r *Record) { r.Comm = "x syscall=0" })},
	{name: "forged comm without closing quote", line: strings.Replace(armKern, `comm="redis-server"`, `comm="x syscall=0`, 1), err: ErrMalformed},
	{name: "forged comm with inner quote", line: strings.Replace(armKern, `comm="redis-server"`, `comm="a"b"`, 1), err: ErrMalformed},
	{name: "duplicate syscall", line: seccompLog + " syscall=0", err: ErrMalformed},
	{name: "duplicate tclass", line: avcLog + " tclass=dir", err: ErrMalformed},
	{name: "truncated seccomp", line: seccompLog[:strings.Index(seccompLog, " syscall=")], err: ErrMalformed},
	{name: "truncated in code", line: strings.TrimSuffix(seccompLog, "7ffc0000"), err: ErrMalformed},
	{name: "truncated in quoted exe", line: seccompLog[:strings.Index(seccompLog, "sbin")], err: ErrMalformed},
	{name: "truncated AVC perms", line: avcLog[:strings.Index(avcLog, " open")], err: ErrMalformed},
	{name: "truncated AVC", line: avcLog[:strings.Index(avcLog, " tcontext=")], err: ErrMalformed},
	{name: "truncated stamp", line: "type=SECCOMP msg=audit(1700000000.1", err: ErrMalformed},
	{name: "bad stamp", line: strings.Replace(seccompLog, "1700000000.123:4567", "17x.1:2", 1), err: ErrMalformed},
	{name: "no colon after stamp", line: strings.Replace(seccompLog, "4567):", "4567)", 1), err: ErrMalformed},
	{name: "pid zero", line: strings.Replace(seccompLog, "pid=31337", "pid=0", 1), err: ErrMalformed},
	{name: "pid not a number", line: strings.Replace(seccompLog, "pid=31337", "pid=-5", 1), err: ErrMalformed},
	{name: "pid too big", line: strings.Replace(seccompLog, "pid=31337", "pid=99999999999", 1), err: ErrMalformed},
	{name: "no comm", line: strings.Replace(seccompLog, `comm="nginx" `, "", 1), err: ErrMalformed},
	{name: "empty syscall", line: strings.Replace(seccompLog, "syscall=50", "syscall=", 1), err: ErrMalformed},
	{name: "uppercase arch", line: strings.Replace(seccompLog, "c000003e", "C000003E", 1), err: ErrMalformed},
	{name: "bad code", line: strings.Replace(seccompLog, "code=0x7ffc0000", "code=7ffc0000", 1), err: ErrMalformed},
	{name: "code with junk", line: strings.Replace(seccompLog, "code=0x7ffc0000", "code=0x7ffc0000zz", 1), err: ErrMalformed},
	{name: "AVC bad perm", line: strings.Replace(avcLog, "{ getattr", "{ GETATTR", 1), err: ErrMalformed},
	{name: "AVC no perms", line: strings.Replace(avcLog, "{ getattr open read }", "{ }", 1), err: ErrMalformed},
	{name: "AVC too many perms", line: strings.Replace(avcLog, "getattr", strings.Repeat("p ", 33), 1), err: ErrMalformed},
	{name: "AVC bad context", line: strings.Replace(avcLog, "tcontext=system_u", `tcontext="system_u`, 1), err: ErrMalformed},
	{name: "AVC bad permissive", line: strings.Replace(avcLog, "permissive=0", "permissive=yes", 1), err: ErrMalformed},
	{name: "AVC granted", line: strings.Replace(avcLog, "denied", "granted", 1), err: ErrNotAudit},
	{name: "AppArmor 1400", line: `audit: type=1400 audit(1700000400.000:7): apparmor="DENIED" operation="open" profile="p" name="/etc/x" pid=12 comm="sh"`, err: ErrNotAudit},
	{name: "SYSCALL record", line: `type=SYSCALL msg=audit(1700000000.123:4567): arch=c000003e syscall=59 success=yes exit=0 pid=31337 comm="nginx" exe="/usr/sbin/nginx"`, err: ErrNotAudit},
	{name: "kernel 1300", line: `audit: type=1300 audit(1700000000.123:4567): arch=c000003e syscall=59 pid=31337 comm="nginx"`, err: ErrNotAudit},
	{name: "PROCTITLE record", line: `type=PROCTITLE msg=audit(1700000000.123:4567): proctitle=6E67696E78`, err: ErrNotAudit},
	{name: "kernel 1327", line: `[ 1.5] audit: type=1327 audit(1700000000.123:4567): proctitle=6E67696E78`, err: ErrNotAudit},
	{name: "USER_AVC quoting an AVC", line: `type=USER_AVC msg=audit(1700000000.1:2): pid=1 uid=0 msg='avc:  denied  { start } for auid=0 uid=0 type=AVC msg=audit(1.1:1): '`, err: ErrNotAudit},
	{name: "record type without stamp", line: "type=1326 syscall=1", err: ErrNotAudit},
	{name: "type= inside a word", line: "subtype=1326 audit(1.1:1): pid=1", err: ErrNotAudit},
	{name: "kauditd noise", line: "[ 9.000001] kauditd_printk_skb: 4 callbacks suppressed", err: ErrNotAudit},
	{name: "empty", line: "", err: ErrNotAudit},
	{name: "oversized", line: seccompLog + strings.Repeat(" x=1", MaxRecordLength/4), err: ErrTooLong},
}

func TestParseLine(t *testing.T) {
	for _, tc := range lineCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseLine(tc.line)
			checkResult(t, got, err, tc.want, tc.err)
		})
	}
}

func checkResult(t *testing.T, got Record, err error, want Record, wantErr error) {
	t.Helper()
	if wantErr != nil {
		if !errors.Is(err, wantErr) {
			t.Fatalf("error %v, want %v (record %+v)", err, wantErr, got)
		}
		return
	}
	if err != nil {
		t.Fatalf("unexpected error %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
}

type netlinkCase struct {
	name    string
	msgType uint16
	payload string
	want    Record
	err     error
}

var netlinkCases = []netlinkCase{
	{name: "seccomp", msgType: TypeSeccomp, payload: seccompNL, want: seccompRec},
	{name: "seccomp NUL-terminated", msgType: TypeSeccomp, payload: seccompNL + "\x00", want: seccompRec},
	{name: "AVC", msgType: TypeAVC, payload: avcNL, want: avcRec},
	{name: "seccomp payload as AVC", msgType: TypeAVC, payload: seccompNL, err: ErrNotAudit},
	{name: "AVC payload as seccomp", msgType: TypeSeccomp, payload: avcNL, err: ErrMalformed},
	{name: "SYSCALL", msgType: 1300, payload: seccompNL, err: ErrNotAudit},
	{name: "long EXECVE", msgType: 1309, payload: strings.Repeat("a", MaxRecordLength+1), err: ErrNotAudit},
	{name: "oversized", msgType: TypeSeccomp, payload: seccompNL + strings.Repeat(" x=1", MaxRecordLength/4), err: ErrTooLong},
	{name: "no stamp", msgType: TypeSeccomp, payload: seccompBody, err: ErrMalformed},
	{name: "prefixed", msgType: TypeSeccomp, payload: "type=1326 " + seccompNL, err: ErrMalformed},
	{name: "empty", msgType: TypeAVC, payload: "", err: ErrMalformed},
}

func TestParseNetlink(t *testing.T) {
	for _, tc := range netlinkCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseNetlink(tc.msgType, []byte(tc.payload))
			checkResult(t, got, err, tc.want, tc.err)
		})
	}
}

func TestParseNetlinkCopiesPayload(t *testing.T) {
	buf := []byte(seccompNL)
	rec, err := ParseNetlink(TypeSeccomp, buf)
	if err != nil {
		t.Fatal(err)
	}
	for i := range buf {
		buf[i] = 'X'
	}
	if !reflect.DeepEqual(rec, seccompRec) {
		t.Fatalf("record changed with the caller's buffer: %+v", rec)
	}
}
