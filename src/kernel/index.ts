// Public face of the mini-kernel.
import type { Machine } from "../cpu/index.js";
import { sched_proc_source } from "./fs/proc/task.js";
import { Vfs } from "./fs/vfs.js";
import { Kasan } from "./kasan.js";
import { Kernel } from "./kernel.js";
import { hex64, KERNEL_MIN_RAM } from "./layout.js";
import { TestVmalloc } from "./lib/test_vmalloc.js";
import { MemCgroups } from "./memcontrol.js";
import { Percpu } from "./percpu.js";
import { Scheduler } from "./process.js";
import { Rcu } from "./rcu.js";
import { SlabAllocator, ZERO_SIZE_PTR } from "./slab.js";
import { Kvmalloc } from "./util.js";
import { Vmalloc } from "./vmalloc.js";

export { ExecError } from "./binfmt_elf.js";
export { ERRNO, type ErrnoName, errnoName, strerror } from "./errno.js";
// The VFS's public face (the seam with the processes side, HostFs for the CLI, path helpers).
export * from "./fs/index.js";
export { KernelOops } from "./kaccess.js";
export { KASAN_VMALLOC_INVALID, Kasan } from "./kasan.js";
export {
  COST,
  GFP,
  GFP_ATOMIC,
  GFP_KERNEL,
  GFP_KERNEL_ACCOUNT,
  GFP_NOWAIT,
  Kernel,
  type SyscallEvent,
  type SyscallExit,
  type Tracepoints,
} from "./kernel.js";
export * from "./layout.js";
export { decode_raw, encode_raw, has_raw_bytes } from "./lib/rawstr.js";
export {
  TEST_CASES,
  TEST_VMALLOC_DEFAULTS,
  TestVmalloc,
  type TestVmallocResult,
} from "./lib/test_vmalloc.js";
export { MemCgroups } from "./memcontrol.js";
export { mm_struct, STACK_TOP, TASK_SIZE, type ThpMode } from "./mm.js";
export { MAX_PAGE_ORDER, PageAlloc } from "./page_alloc.js";
export { PAGE_KERNEL } from "./pgtable.js";
export { formatLine, Printk } from "./printk.js";
export {
  type ptrace_event,
  Scheduler,
  type SpawnOptions,
  type TaskIo,
  type TaskState,
  TICK,
  task_struct,
} from "./process.js";
export { type kernel_siginfo, siginfo_bytes } from "./signal.js";
export { SlabAllocator } from "./slab.js";
export { syscallNames, UNKNOWN_SYSCALLS_SHOWN } from "./syscalls/index.js";
export {
  FLUSH_REASONS,
  type FlushPolicy,
  type FlushReason,
  type FlushStats,
  TLB_FLUSH_ALL_THRESHOLD,
  zeroFlushStats,
} from "./tlbflush.js";
export { Kvmalloc } from "./util.js";
export {
  NUMA_NO_NODE,
  VM_ALLOC,
  VM_ALLOW_HUGE_VMAP,
  VM_FLAGS,
  VM_FLUSH_RESET_PERMS,
  VM_MAP,
  VM_MAP_PUT_PAGES,
  VM_NO_GUARD,
  VM_USERMAP,
  VMAP_MAX_ALLOC,
  Vmalloc,
  VREALLOC_BUGS,
  type vm_struct,
  type vmap_area,
  vmFlagNames,
} from "./vmalloc.js";

export { ZERO_SIZE_PTR };

/** The machines a kernel has booted on (bootKernel). */
const booted = new WeakSet<Machine>();

/** Create the kernel with its subsystems on `machine` and boot it with `cmdline`. */
export function bootKernel(machine: Machine, cmdline = ""): Kernel {
  // The kernel trusts RAM it has never handed out to be zero (Kernel.zeroPagePhys): it boots
  // once, on a machine that has not run.
  if (booted.has(machine) || machine.harts.some((h) => h.instret > 0))
    throw new Error("boot: the kernel boots on a new machine (one that has not run, and once)");
  booted.add(machine);
  if (machine.mem.size < KERNEL_MIN_RAM)
    throw new Error(
      `boot: ${machine.mem.size >> 10}K of RAM is below the kernel's minimum of ${KERNEL_MIN_RAM >> 10}K`,
    );
  const k = new Kernel(machine);
  k.vmalloc = new Vmalloc(k);
  k.kasan = new Kasan(k, { task: () => k.current });
  k.vmalloc.kasan = k.kasan;
  k.kasan.addDescriber((a) => {
    const vm = k.vmalloc.find_vm_area(a);
    if (!vm) return null;
    return [
      "The buggy address belongs to the virtual mapping at",
      ` [${hex64(vm.addr)}, ${hex64(vm.addr + BigInt(vm.size))}) created by:`,
      ` ${vm.caller}`,
    ];
  });
  k.memcg = new MemCgroups(k);
  k.vmalloc.memcg = k.memcg;
  k.slab = new SlabAllocator(k);
  k.slab.memcg = k.memcg;
  k.kv = new Kvmalloc(k, k.slab, k.vmalloc);
  k.percpu = new Percpu(k);
  k.rcu = new Rcu(k);
  k.rcu.free = (p) => k.kv.kvfree(p);
  k.testVmalloc = new TestVmalloc(k);
  k.sched = new Scheduler(k);
  k.vfs = new Vfs(k, sched_proc_source(k));
  k.boot(cmdline);
  return k;
}
export { ASID_BITS_MAX, AsidAllocator } from "./asid.js";
