package seccomp

import "slices"

// BaseSyscalls returns the syscalls an OCI runtime such as runc makes in the
// container's init process after it has loaded the seccomp filter and
// before it execs the workload, so every profile must allow them or the
// container never starts.
//
// runc loads the filter as late as it can, but when noNewPrivileges is
// false (the Kubernetes default while allowPrivilegeEscalation is not
// false) it must do so before dropping privileges: it then still changes
// credentials (setgroups, setresgid, setresuid, capget, capset, prctl),
// changes directory and checks it is inside the container (chdir, fchdir,
// getcwd), looks up the executable (faccessat2), closes leaked descriptors by listing
// /proc/self/fd (openat, getdents64, newfstatat, fstat, fstatfs, fcntl,
// close), tells its parent it is ready over a pipe and a FIFO (read,
// write), and execs (execve). runc's init is a Go program, so its threads
// also need what the Go runtime does while that happens: futex,
// nanosleep, epoll_pwait, sched_yield, signals (rt_sigaction,
// rt_sigprocmask, rt_sigreturn, sigaltstack, tgkill, getpid, gettid) and
// memory (mmap, munmap, madvise, mprotect, brk).
func BaseSyscalls() []string { return slices.Clone(baseSyscalls) }

var baseSyscalls = []string{
	"brk", "capget", "capset", "chdir", "close", "epoll_ctl", "epoll_pwait", "execve",
	"exit", "exit_group", "faccessat2", "fchdir", "fchown", "fcntl", "fstat", "fstatfs",
	"futex", "getcwd", "getdents64", "getpid", "getppid", "gettid", "madvise", "mmap", "mprotect",
	"munmap", "nanosleep", "newfstatat", "openat", "prctl", "read", "rt_sigaction",
	"rt_sigprocmask", "rt_sigreturn", "sched_yield", "setgid", "setgroups",
	"setresgid", "setresuid", "setuid", "sigaltstack", "tgkill", "write",
}
