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
// with setSize in recorder/recording.go.
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

// recorder_config is one entry. Keep the layout in step with
// recorderConfig in recorder/loader.go.
struct recorder_config {
	// mntns_count is the number of entries in tracked_mntns. While it is
	// zero, untracked tasks skip that map altogether.
	__u32 mntns_count;
	// capture_containers turns on container capture (see container_sets).
	__u32 capture_containers;
	// recordings is the number of recordings started; while it is zero
	// nothing is in tracked_pids and the hot path skips it.
	__u32 recordings;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct recorder_config);
} recorder_config SEC(".maps");

// Container capture: every mount namespace whose first execve comes from
// a parent in another mount namespace (a container runtime starting a
// container's workload) gets a bitmap from that execve on, so a container
// is recorded from its first instruction even though user space learns
// its ID only later. Keyed by the namespace's 64-bit id, which the kernel
// never reuses; inode numbers are reused as soon as a namespace is freed.
#define MAX_CONTAINERS 8192

// container_set layout: keep in step with recorder/containers.go.
struct container_set {
	__u64 bits[BITMAP_WORDS];
	__u64 out_of_range;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_CONTAINERS);
	__type(key, __u64);
	__type(value, struct container_set);
} container_sets SEC(".maps");

// mntns_state says what user space made of a namespace: absent or
// STATE_PENDING, user space has not mapped it to a container yet and wants
// to hear of its next execve; STATE_RESOLVED or STATE_IGNORED (not a
// container), no more events.
#define STATE_PENDING 0
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_CONTAINERS);
	__type(key, __u64);
	__type(value, __u32);
} mntns_state SEC(".maps");

// exec_event tells user space which container a namespace belongs to.
// One per execve of an unresolved namespace, never one per syscall. It
// carries the names of the process's cgroups (the memory controller's,
// which is the container's on cgroup v1 and v2, and the default
// hierarchy's), because a short-lived process may be gone before user
// space could read /proc/<pid>/cgroup. Keep in step with execEvent in
// recorder/containers.go.
#define CGROUP_NAME_LEN 128
struct exec_event {
	__u64 mntns;
	__u32 pid;
	__u32 pad;
	char memory_cgroup[CGROUP_NAME_LEN];
	char default_cgroup[CGROUP_NAME_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} exec_events SEC(".maps");

// capture_stats counts what container capture lost: [0] namespaces not
// recorded because container_sets was full, [1] events dropped because
// the ring buffer was full.
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} capture_stats SEC(".maps");

// Most syscalls come from tasks in no recorded container, and most of
// them from a task that made the previous syscall on the same CPU: a
// per-CPU note of the last such task spares it the namespace reads and
// the hash lookup. capture_gen[0] counts the namespaces added to
// container_sets (only an execve adds one), so a note from an older generation is
// never trusted. Only "not in a container" is noted: a torn note can then
// only hide a task that was not recorded when it wrote the note.
struct not_recorded {
	__u64 task;
	__u64 gen;
	__u32 pid;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct not_recorded);
} last_not_recorded SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} capture_gen SEC(".maps");

// Kernels before 6.12 kept the unique id in mnt_namespace.seq.
struct mnt_namespace___seq {
	u64 seq;
} __attribute__((preserve_access_index));

static __always_inline __u64 mntns_id(struct task_struct *task)
{
	struct mnt_namespace *ns = BPF_CORE_READ(task, nsproxy, mnt_ns);
	if (!ns)
		return 0;
	if (bpf_core_field_exists(ns->ns.ns_id))
		return BPF_CORE_READ(ns, ns.ns_id);
	struct mnt_namespace___seq *old = (void *)ns;
	if (bpf_core_field_exists(old->seq))
		return BPF_CORE_READ(old, seq);
	return 0;
}

static __always_inline void count_stat(__u32 idx)
{
	__u64 *n = bpf_map_lookup_elem(&capture_stats, &idx);
	if (n)
		__sync_fetch_and_add(n, 1);
}

// set_bit records syscall id in bits; ids past the bitmap are counted.
static __always_inline void set_bit(__u64 *bits, __u64 *out_of_range, __u64 id)
{
	if (id >= MAX_SYSCALLS) {
		__sync_fetch_and_add(out_of_range, 1);
		return;
	}
	__u64 mask = 1ULL << (id & 63);
	// Syscall tracepoints may run preemptible on recent kernels, so two
	// tasks on one CPU could interleave a plain read-modify-write and lose
	// a bit. The atomic runs only the first time a bit is set.
	if (!(bits[id >> 6] & mask))
		__sync_fetch_and_or(&bits[id >> 6], mask);
}

SEC("raw_tracepoint/sys_enter")
int sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 zero = 0;
	struct recorder_config *cfg = bpf_map_lookup_elem(&recorder_config, &zero);
	if (!cfg)
		return 0;
	__u64 id = ctx->args[1];
	__u32 *rec = NULL;
	if (cfg->recordings) {
		__u32 tid = (__u32)bpf_get_current_pid_tgid();
		rec = bpf_map_lookup_elem(&tracked_pids, &tid);
	}
	struct task_struct *task = NULL;
	if (!rec && cfg->mntns_count) {
		task = (struct task_struct *)bpf_get_current_task();
		__u32 inum = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
		rec = bpf_map_lookup_elem(&tracked_mntns, &inum);
	}
	if (rec) {
		__u32 idx = *rec;
		struct syscall_set *set = bpf_map_lookup_elem(&syscall_sets, &idx);
		if (set)
			set_bit(set->bits, &set->out_of_range, id);
	}
	if (!cfg->capture_containers)
		return 0;
	__u64 *gen = bpf_map_lookup_elem(&capture_gen, &zero);
	struct not_recorded *nr = bpf_map_lookup_elem(&last_not_recorded, &zero);
	if (!gen || !nr)
		return 0;
	if (!task)
		task = (struct task_struct *)bpf_get_current_task();
	__u32 pid = (__u32)bpf_get_current_pid_tgid();
	__u64 g = *(volatile __u64 *)gen;
	if (nr->task == (__u64)task && nr->pid == pid && nr->gen == g)
		return 0;
	__u64 key = mntns_id(task);
	struct container_set *cs = bpf_map_lookup_elem(&container_sets, &key);
	if (cs) {
		set_bit(cs->bits, &cs->out_of_range, id);
		return 0;
	}
	// The program may be preempted by another task on this CPU: clear the
	// owner first and set it last, so a half-written note never names a
	// task (only the task itself writes its own pointer).
	*(volatile __u64 *)&nr->task = 0;
	asm volatile("" ::: "memory");
	nr->pid = pid;
	nr->gen = g;
	asm volatile("" ::: "memory");
	*(volatile __u64 *)&nr->task = (__u64)task;
	return 0;
}

static __always_inline void emit_exec(struct task_struct *task, __u64 key)
{
	struct exec_event *ev = bpf_ringbuf_reserve(&exec_events, sizeof(*ev), 0);
	if (!ev) {
		count_stat(1);
		return;
	}
	ev->mntns = key;
	ev->pid = BPF_CORE_READ(task, tgid);
	ev->pad = 0;
	ev->memory_cgroup[0] = 0;
	ev->default_cgroup[0] = 0;
	struct css_set *cset = BPF_CORE_READ(task, cgroups);
	if (bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id)) {
		int idx = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
		struct cgroup_subsys_state *css = NULL;
		if (idx >= 0 && idx < 16 &&
		    bpf_probe_read_kernel(&css, sizeof(css), &cset->subsys[idx]) == 0 && css) {
			const char *name = BPF_CORE_READ(css, cgroup, kn, name);
			bpf_probe_read_kernel_str(ev->memory_cgroup, CGROUP_NAME_LEN, name);
		}
	}
	const char *dfl = BPF_CORE_READ(cset, dfl_cgrp, kn, name);
	bpf_probe_read_kernel_str(ev->default_cgroup, CGROUP_NAME_LEN, dfl);
	bpf_ringbuf_submit(ev, 0);
}

SEC("raw_tracepoint/sched_process_exec")
int sched_process_exec(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 zero = 0;
	struct recorder_config *cfg = bpf_map_lookup_elem(&recorder_config, &zero);
	if (!cfg || !cfg->capture_containers)
		return 0;
	struct task_struct *task = (struct task_struct *)ctx->args[0];
	__u64 key = mntns_id(task);
	if (!key)
		return 0;
	__u32 *state = bpf_map_lookup_elem(&mntns_state, &key);
	if (state && *state != STATE_PENDING)
		return 0;
	if (bpf_map_lookup_elem(&container_sets, &key)) {
		emit_exec(task, key);
		return 0;
	}
	// A namespace starts being recorded only at an execve whose parent
	// lives in another mount namespace: a runtime starting a container.
	// Host processes exec from host parents and never get here.
	__u64 parent = mntns_id(BPF_CORE_READ(task, real_parent));
	if (!parent || parent == key)
		return 0;
	struct container_set empty = {};
	long err = bpf_map_update_elem(&container_sets, &key, &empty, BPF_NOEXIST);
	if (err && err != -17 /* EEXIST: another CPU won the race */) {
		count_stat(0);
		return 0;
	}
	// After the insert: a task that looks the namespace up before it
	// sees the new generation may note "not recorded" only under the old.
	__u64 *gen = bpf_map_lookup_elem(&capture_gen, &zero);
	if (gen)
		__sync_fetch_and_add(gen, 1);
	emit_exec(task, key);
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
