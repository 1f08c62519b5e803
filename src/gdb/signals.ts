// Signal numbers on the wire: the remote protocol numbers signals as gdb does
// (include/gdb/signals.def: SIGBUS 10, SIGUSR1 30, SIGCHLD 20...), the kernel as Linux on
// RISC-V does (asm-generic/signal.h: SIGBUS 7, SIGUSR1 10, SIGCHLD 17...). The stub turns one
// into the other at the edge, as gdbserver's gdb_signal_from_host/to_host do.

/** gdb's number for each Linux signal 1..31 (index = Linux number); 0: none. */
const TO_GDB = [
  0, 1, 2, 3, 4, 5, 6, 10, 8, 9, 30, 11, 31, 13, 14, 15,
  // 16 SIGSTKFLT has no gdb number (GDB_SIGNAL_UNKNOWN, 143)
  143, 20, 19, 17, 18, 21, 22, 16, 24, 25, 26, 27, 28, 23, 32, 12,
];
/** GDB_SIGNAL_REALTIME_32, _33 (the first of 33..63's run), _64; GDB_SIGNAL_UNKNOWN. */
const GDB_RT32 = 77;
const GDB_RT33 = 45;
const GDB_RT64 = 78;
const GDB_UNKNOWN = 143;
const GDB_POLL = 33;

/** gdb's number for Linux signal `sig` (0 stays 0: no signal). */
export function gdbSignal(sig: number): number {
  if (sig >= 0 && sig < 32) return TO_GDB[sig]!;
  if (sig === 32) return GDB_RT32;
  if (sig >= 33 && sig <= 63) return GDB_RT33 + sig - 33;
  if (sig === 64) return GDB_RT64;
  return GDB_UNKNOWN;
}

/** The Linux signal for gdb's number `g`, or 0 when Linux has none such (SIGEMT, SIGLOST). */
export function linuxSignal(g: number): number {
  if (g === 0) return 0;
  if (g === GDB_POLL) return 29; // Linux's SIGPOLL is SIGIO
  for (let sig = 1; sig <= 64; sig++) if (gdbSignal(sig) === g && g !== GDB_UNKNOWN) return sig;
  return 0;
}
