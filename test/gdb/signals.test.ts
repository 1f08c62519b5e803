// Signal numbers on the wire: gdb's (include/gdb/signals.def) from and to Linux's on RISC-V.

import { describe, expect, it } from "vitest";
import { gdbSignal, linuxSignal } from "../../src/gdb/index.js";

describe("gdb's signal numbers", () => {
  it("the ones that differ from Linux's", () => {
    expect(gdbSignal(7)).toBe(10); // SIGBUS
    expect(gdbSignal(10)).toBe(30); // SIGUSR1
    expect(gdbSignal(12)).toBe(31); // SIGUSR2
    expect(gdbSignal(17)).toBe(20); // SIGCHLD
    expect(gdbSignal(18)).toBe(19); // SIGCONT
    expect(gdbSignal(19)).toBe(17); // SIGSTOP
    expect(gdbSignal(23)).toBe(16); // SIGURG
    expect(gdbSignal(29)).toBe(23); // SIGIO
    expect(gdbSignal(31)).toBe(12); // SIGSYS
    expect(gdbSignal(32)).toBe(77); // SIG32
    expect(gdbSignal(34)).toBe(46); // SIGRTMIN+2 = SIG34
    expect(gdbSignal(64)).toBe(78);
    expect(gdbSignal(16)).toBe(143); // SIGSTKFLT: unknown to gdb
  });

  it("the same for the classic ones; 0 is no signal both ways", () => {
    for (const s of [0, 1, 2, 3, 4, 5, 6, 8, 9, 11, 13, 14, 15]) expect(gdbSignal(s)).toBe(s);
  });

  it("back to Linux: every Linux signal but SIGSTKFLT round-trips; gdb-only ones are 0", () => {
    for (let s = 1; s <= 64; s++) if (s !== 16) expect(linuxSignal(gdbSignal(s))).toBe(s);
    expect(linuxSignal(7)).toBe(0); // SIGEMT
    expect(linuxSignal(29)).toBe(0); // SIGLOST
    expect(linuxSignal(143)).toBe(0);
    expect(linuxSignal(33)).toBe(29); // SIGPOLL is Linux's SIGIO
  });
});
