// The stub on a program under the kernel, with our own client (no gdb needed): tasks as
// threads, user registers only (cpu and fpu features), memory through the task's page tables,
// a breakpoint at main, a step over an ecall that is the whole system call, a watchpoint on a
// global, a segfault stopped before delivery with its siginfo, then delivered (X0b) or
// cancelled (the fault comes again), and the exit (W); signals that are not faults (gdb's
// numbers, QPassSignals), an exec stop (exec-events) and vFile reads of the program's files.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readElf } from "../../src/elf/index.js";
import { frame, GdbStub, KernelTarget, PacketReader } from "../../src/gdb/index.js";
import { parseMount } from "../../src/kernel/index.js";
import { loadTlbConfig } from "../../src/mmu/index.js";
import { DEFAULT_ENV, nodeHostFs, startUnderKernel } from "../../src/session/index.js";

const GUEST = "guests/bin/gdbtarget.nolibc.elf";
/** Raises SIGUSR1, waits for SIGALRM, forks a child that execs argv[1] (guests/gdbevents.c). */
const EVENTS = "guests/bin/gdbevents.nolibc.elf";
const dec = new TextDecoder("latin1");

function session(args: string[] = [], guest = GUEST, mounts: string[] = []) {
  const bytes = new Uint8Array(readFileSync(guest));
  const elf = readElf(bytes, guest);
  const out = { stdout: "", log: [] as string[] };
  const started = startUnderKernel(
    {
      harts: 1,
      mem: 64 << 20,
      tlb: loadTlbConfig("skylake"),
      satp: null,
      maxInsns: Number.POSITIVE_INFINITY,
    },
    {
      elf: bytes,
      path: guest,
      args,
      env: DEFAULT_ENV,
      mounts: mounts.map((m) => {
        const parsed = parseMount(m);
        if (typeof parsed === "string") throw new Error(parsed);
        return parsed;
      }),
      seed: undefined,
      append: "",
    },
    {
      io: {
        stdin: () => new Uint8Array(0),
        write: (_fd, d) => {
          out.stdout += new TextDecoder().decode(d);
        },
        isatty: () => false,
      },
      log: (t) => out.log.push(t),
      message: () => {},
      dmesg: false,
      stats: false,
      hostFs: nodeHostFs(),
    },
  );
  if (typeof started === "number") throw new Error(`not started: ${started}`);
  const target = new KernelTarget(started.session.k, started.task, guest, Number.POSITIVE_INFINITY);
  const sent: string[] = [];
  const stub = new GdbStub(target, { send: (b) => sent.push(dec.decode(b)) });
  const ask = (p: string): string | null => {
    sent.length = 0;
    stub.receive(frame(p));
    const m = /\$([^#]*)#/.exec(sent.join(""));
    return m ? m[1]! : null;
  };
  /** The reply to `p` unescaped (a binary reply: vFile:pread, fstat), as latin1. */
  const askBin = (p: string): string | null => {
    sent.length = 0;
    stub.receive(frame(p));
    const ev = new PacketReader().feed(
      Uint8Array.from(sent.join("").replace(/^\+/, ""), (c) => c.charCodeAt(0)),
    );
    const pkt = ev.find((e) => e.kind === "packet");
    return pkt && pkt.kind === "packet" ? dec.decode(pkt.data) : null;
  };
  const runToStop = (): string | null => {
    sent.length = 0;
    for (let i = 0; i < 10_000 && stub.pump(20_000); i++);
    const m = /\$([^#]*)#/.exec(sent.join(""));
    return m ? m[1]! : null;
  };
  const sym = (name: string): bigint => elf.symbol(name)!.value;
  return { ask, askBin, runToStop, sym, out, stub, task: started.task, k: started.session.k };
}

const hex = (v: bigint): string => v.toString(16);

describe("the stub on a program under the kernel", () => {
  it("threads are tasks; registers are the user's; qAttached 0 (quitting kills, as with gdbserver)", () => {
    const s = session();
    const pid = s.task.pid;
    expect(s.ask("qfThreadInfo")).toBe(`m${hex(BigInt(pid))}`);
    expect(Buffer.from(s.ask(`qThreadExtraInfo,${pid}`)!, "hex").toString()).toBe(`gdbtarget.nolib[${pid}]`);
    expect(s.ask("qAttached")).toBe("0");
    expect(s.ask("qSupported")).toContain("qXfer:siginfo:read+");
    const xml = s.ask("qXfer:features:read:target.xml:0,3fff")!;
    expect(xml).toContain("org.gnu.gdb.riscv.fpu");
    expect(xml).not.toContain("org.gnu.gdb.riscv.csr");
    expect(s.ask("p341")).toBe("E01"); // mstatus: not a user register
    expect(s.ask("p20")).toBe(Buffer.from(new BigUint64Array([s.task.pc]).buffer).toString("hex"));
  });

  it("break at main, step over an ecall (one step, the whole call), a watchpoint, the exit as W", () => {
    const s = session();
    const main = s.sym("main");
    expect(s.ask(`Z0,${hex(main)},2`)).toBe("OK");
    s.ask("c");
    expect(s.runToStop()).toBe(`T05thread:${s.task.pid};swbreak:;`);
    expect(s.task.pc).toBe(main);
    expect(s.ask(`z0,${hex(main)},2`)).toBe("OK");
    // A watchpoint on `counter` (in .bss: reads as zeros before the task touches it).
    const counter = s.sym("counter");
    expect(s.ask(`m${hex(counter)},4`)).toBe("00000000");
    expect(s.ask(`Z2,${hex(counter)},4`)).toBe("OK");
    s.ask("c");
    expect(s.runToStop()).toBe(`T05thread:${s.task.pid};watch:${hex(counter)};`);
    expect(s.ask(`z2,${hex(counter)},4`)).toBe("OK");
    // Step until an ecall (printf's write), then over it: the pc moves by 4 and the output is out.
    let steps = 0;
    for (;;) {
      const word = s.ask(`m${hex(s.task.pc)},4`)!;
      if (word === "73000000") break;
      expect(s.ask("s")).toBe(`T05thread:${s.task.pid};`);
      expect(++steps).toBeLessThan(200_000);
    }
    const at = s.task.pc;
    expect(s.out.stdout).toBe("");
    expect(s.ask("vCont;s:1;c")).toMatch(/^T05thread:/);
    expect(s.task.pc).toBe(at + 4n);
    expect(s.out.stdout).toBe("counter=126 factorial(5)=120\n");
    s.ask("c");
    expect(s.runToStop()).toBe("W00");
    expect(s.stub.state).toBe("exited");
  });

  it("a segfault stops before delivery with si_addr; c cancels it (it comes again); C0b delivers it", () => {
    const s = session(["segv"]);
    s.ask("c");
    const stop = s.runToStop()!;
    expect(stop).toBe(`T0bthread:${s.task.pid};`);
    const info = Buffer.from(s.ask("qXfer:siginfo:read::0,80")!.slice(1), "latin1");
    expect(info.readInt32LE(0)).toBe(11);
    expect(info.readBigUInt64LE(16)).toBe(0x10n);
    const pc = s.task.pc;
    s.ask("c"); // no signal: the store runs again and faults again
    expect(s.runToStop()).toBe(stop);
    expect(s.task.pc).toBe(pc);
    s.ask("vCont;C0b:1;c");
    expect(s.runToStop()).toBe("X0b");
    expect(s.task.signal).toBe(11);
    expect(s.out.log.filter((l) => l.includes("segfault at 10"))).toHaveLength(2);
  });

  it("monitor maps, vmallocinfo and dmesg; k kills every task", () => {
    const s = session();
    const mon = (c: string): string =>
      Buffer.from(s.ask(`qRcmd,${Buffer.from(c).toString("hex")}`)!, "hex").toString();
    expect(mon("maps")).toMatch(/^00010000-[0-9a-f]+ r-xp /);
    expect(mon("maps")).toContain("[stack]");
    expect(mon("help")).toContain("vmallocinfo");
    expect(mon("dmesg")).toContain("Linux version");
    expect(mon("vmallocinfo")).toBe(`${s.k.vmalloc.vmallocinfo().replace(/\n$/, "")}\n`);
    s.ask("k");
    expect(s.stub.stop).toEqual({ kind: "killed", signal: 9 });
    expect(s.task.running).toBe(false);
  });

  it("a signal that is not a fault stops the task with gdb's number; QPassSignals lets one through", () => {
    const s = session([], EVENTS);
    const pid = s.task.pid;
    expect(s.ask("qSupported:swbreak+")).toContain("QPassSignals+");
    expect(s.ask("QPassSignals:0e")).toBe("OK"); // gdb's SIGALRM (14): delivered, no stop
    s.ask("c");
    expect(s.runToStop()).toBe(`T1ethread:${pid.toString(16)};`); // SIGUSR1: Linux 10, gdb 30
    const info = Buffer.from(s.ask("qXfer:siginfo:read::0,80")!.slice(1), "latin1");
    expect(info.readInt32LE(0)).toBe(10);
    s.ask(`vCont;C1e:${pid.toString(16)};c`); // pass it on: the handler runs
    // The child's exit: SIGCHLD (Linux 17, gdb 20) stops the parent, which waits in wait4.
    expect(s.runToStop()).toBe(`T14thread:${pid.toString(16)};`);
    s.ask("c"); // cancelled: it would be ignored anyway; wait4 goes on (restarted)
    expect(s.runToStop()).toBe("W00");
    expect(s.out.stdout).toBe("usr1=1 alrm=1\nchild status 3\n");
  });

  it("a signal cancelled by c never reaches its handler; SIGALRM stops when it is not passed", () => {
    const s = session([], EVENTS);
    const pid = s.task.pid.toString(16);
    s.ask("QPassSignals:14"); // gdb's SIGCHLD only
    s.ask("c");
    expect(s.runToStop()).toBe(`T1ethread:${pid};`);
    s.ask("c");
    expect(s.runToStop()).toBe(`T0ethread:${pid};`); // SIGALRM, interrupting pause()
    s.ask("C0e"); // delivered: pause() returns EINTR to a loop that then sees alrm set
    expect(s.runToStop()).toBe("W00");
    expect(s.out.stdout).toBe("usr1=0 alrm=1\nchild status 3\n");
  });

  it("exec events: the task stops at its new program with exec:<hex path>; vFile reads it", () => {
    const s = session(["/bin/gdbevents"], EVENTS, [`${EVENTS}:/bin/gdbevents`]);
    expect(s.ask("qSupported:exec-events+")).toContain("exec-events+");
    s.ask("QPassSignals:0e;14;1e");
    s.ask("c");
    const stop = s.runToStop()!;
    const m = /^T05thread:([0-9a-f]+);exec:([0-9a-f]+);$/.exec(stop);
    expect(m).not.toBeNull();
    expect(Buffer.from(m![2]!, "hex").toString()).toBe("/bin/gdbevents");
    const child = Number.parseInt(m![1]!, 16);
    expect(child).not.toBe(s.task.pid);
    const entry = readElf(new Uint8Array(readFileSync(EVENTS)), EVENTS).entry;
    expect(s.ask(`Hg${child.toString(16)}`)).toBe("OK");
    expect(s.ask("p20")).toBe(Buffer.from(new BigUint64Array([entry]).buffer).toString("hex"));
    // gdb reads the new program through the stub (its sysroot is target:).
    const fd = s.ask(`vFile:open:${Buffer.from("/bin/gdbevents").toString("hex")},0,0`)!;
    expect(fd).toMatch(/^F[0-9a-f]+$/);
    const size = readFileSync(EVENTS).length;
    const st = Buffer.from(s.askBin(`vFile:fstat:${fd.slice(1)}`)!, "latin1");
    expect(st.subarray(0, 4).toString()).toBe("F40;");
    expect(Number(st.readBigUInt64BE(4 + 28))).toBe(size);
    const head = Buffer.from(s.askBin(`vFile:pread:${fd.slice(1)},4,0`)!, "latin1");
    expect(head.toString("latin1")).toBe("F4;\x7fELF");
    expect(s.ask(`vFile:close:${fd.slice(1)}`)).toBe("F0");
    expect(s.ask(`vFile:close:${fd.slice(1)}`)).toBe("F-1,9"); // EBADF
    expect(s.ask(`vFile:open:${Buffer.from("/nope").toString("hex")},0,0`)).toBe("F-1,2"); // ENOENT
    expect(s.ask(`vFile:open:${Buffer.from("/bin/gdbevents").toString("hex")},1,0`)).toBe("F-1,1e"); // EROFS
    expect(s.ask("vFile:setfs:0")).toBe("F0");
    s.ask("c");
    expect(s.runToStop()).toBe("W00");
    expect(s.out.stdout).toBe("usr1=1 alrm=1\nchild after exec\nchild status 3\n");
  });

  it("without exec-events gdb gets no exec stop, and vFile reads the program it started", () => {
    const s = session(["/bin/gdbevents"], EVENTS, [`${EVENTS}:/bin/gdbevents`]);
    expect(s.ask("qSupported:multiprocess+")).not.toContain("exec-events");
    s.ask("QPassSignals:0e;14;1e");
    const fd = s.ask(`vFile:open:${Buffer.from(EVENTS).toString("hex")},0,0`)!;
    expect(fd).toBe("F3");
    const all = readFileSync(EVENTS);
    const at = 0x100;
    const got = Buffer.from(s.askBin(`vFile:pread:3,10,${at.toString(16)}`)!, "latin1");
    expect(got.subarray(got.indexOf(";") + 1)).toEqual(all.subarray(at, at + 16));
    s.ask("c");
    expect(s.runToStop()).toBe("W00");
  });

  it("fork events (multiprocess ids): the parent stops with fork:pC.C; D;C lets the child run undebugged", () => {
    const s = session(["/bin/gdbevents"], EVENTS, [`${EVENTS}:/bin/gdbevents`]);
    const reply = s.ask("qSupported:multiprocess+;fork-events+;vfork-events+;exec-events+")!;
    expect(reply).toContain(";multiprocess+;fork-events+");
    expect(reply).not.toContain("vfork-events+");
    expect(s.ask("qfThreadInfo")).toBe("mp1.1");
    expect(s.ask("qC")).toBe("QCp1.1");
    s.ask("QPassSignals:0e;14;1e");
    s.ask("c");
    expect(s.runToStop()).toBe("T05thread:p1.1;fork:p2.2;");
    expect(s.ask("qfThreadInfo")).toBe("mp1.1,p2.2");
    expect(s.ask("Hgp2.2")).toBe("OK");
    expect(s.ask("p0a")).toBe("0000000000000000"); // the child's fork() returns 0
    expect(s.ask("Hgp1.1")).toBe("OK");
    expect(s.ask("p0a")).toBe("0200000000000000"); // the parent's returns its pid
    expect(s.ask("D;2")).toBe("OK");
    expect(s.ask("D;2")).toBe("E01"); // no longer debugged
    expect(s.ask("qfThreadInfo")).toBe("mp1.1");
    // A breakpoint at main: the child's exec'd program runs main undebugged, so never stops.
    expect(s.ask(`Z0,${hex(s.sym("main"))},2`)).toBe("OK");
    s.ask("vCont;c:p1.-1");
    expect(s.runToStop()).toBe("W00");
    expect(s.out.stdout).toBe("usr1=1 alrm=1\nchild after exec\nchild status 3\n");
  });

  it("following the child: D;1 lets the parent go; the child's exec and end are what gdb sees", () => {
    const s = session(["/bin/gdbevents"], EVENTS, [`${EVENTS}:/bin/gdbevents`]);
    s.ask("qSupported:multiprocess+;fork-events+;exec-events+");
    s.ask("QPassSignals:0e;14;1e");
    s.ask("c");
    expect(s.runToStop()).toBe("T05thread:p1.1;fork:p2.2;");
    expect(s.ask("D;1")).toBe("OK");
    expect(s.ask("qfThreadInfo")).toBe("mp2.2");
    s.ask("c");
    expect(s.runToStop()).toMatch(/^T05thread:p2\.2;exec:[0-9a-f]+;$/);
    s.ask("c");
    expect(s.runToStop()).toBe("W03");
    expect(s.out.stdout).toContain("child after exec\n");
  });
});
