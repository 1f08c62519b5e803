// Public face of the session layer: a machine built from the shared options, a bare-metal guest
// or a program under the kernel run on it to its end, and the counters `--stats` reports. The
// commands (src/cli) and the sweep (src/exp) both run guests through here.

export { type BareRunHooks, type BareSession, prepareBare, runBare } from "./bare.js";
export {
  COMMANDS,
  ConsoleError,
  type ConsoleRun,
  consoleHelp,
  handleResult,
  hexdump,
  KConsole,
  type LineResult,
  MAX_CONSOLE_LINE,
  parseNumber,
  runLines,
  showPtr,
} from "./console.js";
export { DEMO_SOURCE } from "./demo.js";
export { shippedGuest } from "./guests.js";
export {
  HostFileError,
  hostPath,
  MAX_PROGRAM_BYTES,
  MAX_TEXT_BYTES,
  makeDirs,
  type ReadLimits,
  readHostFile,
} from "./hostfile.js";
export { nodeHostFs } from "./hostfs.js";
export {
  atLeast,
  type BootedKernel,
  type BootOptions,
  bootSession,
  DEFAULT_ENV,
  isPanic,
  type KernelProgram,
  type KernelRunHooks,
  type KernelRunResult,
  type KernelStart,
  type LogLine,
  logOops,
  runUnderKernel,
  startUnderKernel,
  TASK_LINE,
} from "./kernel.js";
export {
  execLine,
  formatSize,
  type JitSpec,
  loadJit,
  MAX_HARTS,
  type MachineSpec,
  machineJitStats,
  newMachine,
  ProgramError,
  restrictSatp,
  setJitLoader,
} from "./machine.js";
export {
  hartTlb,
  perfEvents,
  type TlbArrayReport,
  type TlbHartReport,
  type TlbReport,
  tlbReport,
} from "./perf.js";
export {
  assembleElf,
  isAssembly,
  loadAssembler,
  loadBareProgram,
  readInput,
  readKernelProgram,
  USER_TEXT_BASE,
} from "./program.js";
export {
  type HartStats,
  type KernelStats,
  kernelStats,
  StatsCollector,
  type StatsReport,
  type TrapCount,
} from "./stats.js";
export { mmlabVersion } from "./version.js";
export { formatKernel, formatTlb, permString, table, tlbView, vpnToVa, walkView } from "./views.js";
