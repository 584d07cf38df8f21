// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
//
// Syscall recorder: remembers which syscalls a set of processes made, as one
// bitmap per recording. Nothing is sent to user space per syscall; user space
// reads the bitmaps when a recording ends.
//
// Only raw tracepoints are used: classic tracepoints need tracefs, which is
// not mounted on every node, and kprobes/fentry are not available on every
// kernel we run on.

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

// MAX_SYSCALLS bounds the bitmap. x86_64 uses ids below 512; larger ids
// (x32 syscalls have bit 30 set) are counted in out_of_range instead.
#define MAX_SYSCALLS 1024
#define BITMAP_WORDS (MAX_SYSCALLS / 64)
#define MAX_RECORDINGS 256

// syscall_set is the per-recording, per-CPU state. Keep the layout in step
// with syscallSet in recorder/maps.go.
struct syscall_set {
	__u64 bits[BITMAP_WORDS];
	__u64 out_of_range; // syscalls whose id did not fit the bitmap
	__u64 lost_tasks;   // children that could not be tracked (map full)
};

// tracked_pids maps a task (thread) id, as the initial PID namespace sees
// it, to the recording it belongs to. Children inherit their parent's entry
// in sched_process_fork, before they can run.
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u32);
} tracked_pids SEC(".maps");

// tracked_mntns maps a mount namespace inode number to a recording, so that
// every process of a container is recorded without following forks.
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u32);
} tracked_mntns SEC(".maps");

// syscall_sets is per-CPU: CPUs never write the same cache line, so the
// hot path stays cheap on big machines.
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAX_RECORDINGS);
	__type(key, __u32);
	__type(value, struct syscall_set);
} syscall_sets SEC(".maps");

// recorder_config[0] is the number of entries in tracked_mntns. While it is zero,
// untracked tasks skip reading their mount namespace altogether.
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} recorder_config SEC(".maps");

static __always_inline __u32 *lookup_mntns(void)
{
	__u32 zero = 0;
	__u32 *count = bpf_map_lookup_elem(&recorder_config, &zero);
	if (!count || *count == 0)
		return NULL;

	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 inum = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
	return bpf_map_lookup_elem(&tracked_mntns, &inum);
}

SEC("raw_tracepoint/sys_enter")
int sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u32 *rec = bpf_map_lookup_elem(&tracked_pids, &tid);
	if (!rec) {
		rec = lookup_mntns();
		if (!rec)
			return 0;
	}
	__u32 idx = *rec;
	struct syscall_set *set = bpf_map_lookup_elem(&syscall_sets, &idx);
	if (!set)
		return 0;

	__u64 id = ctx->args[1];
	if (id >= MAX_SYSCALLS) {
		__sync_fetch_and_add(&set->out_of_range, 1);
		return 0;
	}
	__u64 mask = 1ULL << (id & 63);
	// Syscall tracepoints may run preemptible on recent kernels, so two
	// tasks on one CPU could interleave a plain read-modify-write and lose
	// a bit. The atomic runs only the first time a bit is set.
	if (!(set->bits[id >> 6] & mask))
		__sync_fetch_and_or(&set->bits[id >> 6], mask);
	return 0;
}

SEC("raw_tracepoint/sched_process_fork")
int sched_process_fork(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *parent = (struct task_struct *)ctx->args[0];
	struct task_struct *child = (struct task_struct *)ctx->args[1];
	__u32 ppid = BPF_CORE_READ(parent, pid);
	__u32 *rec = bpf_map_lookup_elem(&tracked_pids, &ppid);
	if (!rec)
		return 0;

	// The tracepoint fires in the parent after copy_process() and before
	// the child is woken, so the child's first syscall is always seen.
	__u32 idx = *rec;
	__u32 cpid = BPF_CORE_READ(child, pid);
	if (bpf_map_update_elem(&tracked_pids, &cpid, &idx, BPF_ANY) == 0)
		return 0;

	struct syscall_set *set = bpf_map_lookup_elem(&syscall_sets, &idx);
	if (set)
		__sync_fetch_and_add(&set->lost_tasks, 1);
	return 0;
}

SEC("raw_tracepoint/sched_process_exit")
int sched_process_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *task = (struct task_struct *)ctx->args[0];
	__u32 pid = BPF_CORE_READ(task, pid);
	// A dead task makes no more syscalls; dropping it keeps the map small
	// and stops a recycled pid from joining the recording.
	bpf_map_delete_elem(&tracked_pids, &pid);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
