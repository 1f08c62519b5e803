// Public face of the mini-kernel.
import type { Machine } from "../cpu/index.js";
import { Kasan } from "./kasan.js";
import { Kernel } from "./kernel.js";
import { hex64 } from "./layout.js";
import { TestVmalloc } from "./lib/test_vmalloc.js";
import { Percpu } from "./percpu.js";
import { Rcu } from "./rcu.js";
import { Vmalloc } from "./vmalloc.js";

export { KernelOops } from "./kaccess.js";
export { KASAN_VMALLOC_INVALID, Kasan } from "./kasan.js";
export { GFP, GFP_ATOMIC, GFP_KERNEL, GFP_KERNEL_ACCOUNT, GFP_NOWAIT, Kernel } from "./kernel.js";
export * from "./layout.js";
export {
  TEST_CASES,
  TEST_VMALLOC_DEFAULTS,
  TestVmalloc,
  type TestVmallocResult,
} from "./lib/test_vmalloc.js";
export { MAX_PAGE_ORDER, PageAlloc } from "./page_alloc.js";
export { PAGE_KERNEL } from "./pgtable.js";
export { formatLine, Printk } from "./printk.js";
export { TLB_FLUSH_ALL_THRESHOLD } from "./tlbflush.js";
export {
  NUMA_NO_NODE,
  VM_ALLOC,
  VM_ALLOW_HUGE_VMAP,
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
} from "./vmalloc.js";

/** Create the kernel with its subsystems on `machine` and boot it with `cmdline`. */
export function bootKernel(machine: Machine, cmdline = ""): Kernel {
  const k = new Kernel(machine);
  k.vm = new Vmalloc(k);
  k.kasan = new Kasan(k, { task: () => k.current });
  k.vm.kasan = k.kasan;
  k.kasan.addDescriber((a) => {
    const vm = k.vm.find_vm_area(a);
    if (!vm) return null;
    return [
      "The buggy address belongs to the virtual mapping at",
      ` [${hex64(vm.addr)}, ${hex64(vm.addr + BigInt(vm.size))}) created by:`,
      ` ${vm.caller}`,
    ];
  });
  k.percpu = new Percpu(k);
  k.rcu = new Rcu(k);
  k.testVmalloc = new TestVmalloc(k);
  k.boot(cmdline);
  return k;
}
