// The real gdb (Debian's gdb-multiarch, gdb 13) against `mmlab run --gdb`, in batch mode, on the
// committed guest guests/bin/gdbtarget.glibc.elf (built with -g -O0): break at main, next, info
// registers, x/8gx $sp, a watchpoint on a global, bt in a recursive function, monitor tlb and
// maps, a segfault caught with its address, signals that are not faults, a fork (the child
// detached, or followed through its exec: the program read through vFile), a bare guest, a bare guest that turns on paging (the README's
// walkthrough) and Ctrl-C (SIGINT to gdb) interrupting a running guest. Skipped, with the reason, where
// gdb-multiarch is not installed (.ci/run installs it when it can).

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { outcome, type ProcessOutcome, ROOT, removeMmlabBundle, startMmlab } from "../helpers/process.js";

const GDB = "gdb-multiarch";
const have = spawnSync(GDB, ["--version"], { encoding: "utf8" }).status === 0;
const WHY = "gdb-multiarch is not installed (apt-get install gdb-multiarch; .ci/run installs it when it can)";
const GUEST = "guests/bin/gdbtarget.glibc.elf";

afterAll(removeMmlabBundle);

/** Start `mmlab run --gdb 127.0.0.1:0 --gdb-wait ARGS`, run gdb's batch `commands` against it;
 *  gdb's output and mmlab's outcome. */
async function debug(
  args: string[],
  commands: string[],
  started: (gdb: ChildProcess) => void = () => {},
): Promise<{ gdb: string; status: number | null; stdout: string; stderr: string }> {
  const child = await startMmlab(["run", "--gdb", "127.0.0.1:0", "--gdb-wait", ...args]);
  const done = outcome(child);
  const port = await new Promise<string>((resolve, reject) => {
    let err = "";
    child.stderr!.on("data", (d: Buffer) => {
      err += d.toString();
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(err);
      if (m) resolve(m[1]!);
    });
    child.on("close", () => reject(new Error(`mmlab ended before listening: ${err}`)));
  });
  const ex = ["-batch", "-nx", "-ex", "set confirm off", "-ex", `target remote 127.0.0.1:${port}`];
  for (const c of commands) ex.push("-ex", c);
  const g = await runGdb(ex, started);
  const m = await done;
  return { gdb: g.stdout + g.stderr, status: m.status, stdout: m.stdout, stderr: m.stderr };
}

/** gdb with these arguments; `started` gets its process (to send it a signal). */
function runGdb(args: string[], started: (gdb: ChildProcess) => void): Promise<ProcessOutcome> {
  const child = spawn(GDB, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  started(child);
  return outcome(child);
}

describe.skipIf(!have)(`gdb-multiarch (${have ? "installed" : WHY})`, () => {
  it("break main, next, info registers, x/8gx $sp, a watchpoint, bt in recursion, monitor tlb", async () => {
    const r = await debug(
      [GUEST],
      [
        "break main",
        "continue",
        "next",
        "info registers pc sp",
        "x/8gx $sp",
        "watch counter",
        "continue",
        "continue",
        "delete",
        "break factorial if n == 1",
        "continue",
        "bt",
        "monitor tlb",
        "monitor maps",
        "delete",
        "continue",
      ],
    );
    const g = r.gdb;
    expect(g).toMatch(/Breakpoint 1, main \(argc=1, argv=0x[0-9a-f]+\) at guests\/gdbtarget\.c:36/);
    expect(g).toMatch(/^37\s+bump\(2\);/m);
    expect(g).toMatch(/^pc\s+0x[0-9a-f]+\s+0x[0-9a-f]+ <main\+\d+>/m);
    expect(g).toMatch(/^sp\s+0x3ffffff[0-9a-f]+/m);
    expect(g).toMatch(/^0x3ffffff[0-9a-f]+:\s+0x[0-9a-f]{16}\s+0x[0-9a-f]{16}$/m);
    expect(g).toContain("Hardware watchpoint 2: counter");
    expect(g).toMatch(/Old value = 1\nNew value = 3/);
    expect(g).toMatch(/Old value = 3\nNew value = 6/);
    expect(g).toMatch(/#0 {2}factorial \(n=1\) at guests\/gdbtarget\.c:29/);
    for (const n of [2, 3, 4, 5]) expect(g).toMatch(new RegExp(`#${n - 1} .* in factorial \\(n=${n}\\)`));
    expect(g).toMatch(/#5 .* in main \(argc=1/);
    expect(g).toMatch(/hart 0: TLB skylake, satp sv48: \d+ valid entries/);
    expect(g).toMatch(/^00010000-[0-9a-f]+ r-xp /m);
    expect(g).toContain("[Inferior 1 (process 1) exited normally]");
    expect(r.stdout).toBe("counter=126 factorial(5)=120\n");
    expect(r.status).toBe(0);
  }, 120_000);

  it("a segfault is caught with its address; going on delivers it (status 139)", async () => {
    const r = await debug(
      [GUEST, "segv"],
      ["continue", "p $_siginfo._sifields._sigfault.si_addr", "p $pc", "continue"],
    );
    expect(r.gdb).toContain("Program received signal SIGSEGV, Segmentation fault.");
    expect(r.gdb).toMatch(/in main \(argc=2, .*\) at guests\/gdbtarget\.c:45\n45\s+\*bad_pointer = 1;/);
    expect(r.gdb).toContain("$1 = (void *) 0x10");
    expect(r.gdb).toContain("Program terminated with signal SIGSEGV, Segmentation fault.");
    expect(r.stderr).toContain("segfault at 10 ip");
    expect(r.status).toBe(139);
  }, 120_000);

  it("a signal that is not a fault stops gdb, SIGALRM and SIGCHLD pass; a fork's child is detached", async () => {
    const ev = "guests/bin/gdbevents.nolibc.elf";
    const r = await debug(
      ["--mount", `${ev}:/bin/gdbevents`, ev, "/bin/gdbevents"],
      ["catch exec", "continue", "p $_siginfo.si_signo", "continue"],
    );
    const g = r.gdb;
    expect(g).toContain("Program received signal SIGUSR1, User defined signal 1.");
    expect(g).toContain("$1 = 10");
    expect(g).not.toContain("SIGALRM");
    expect(g).not.toContain("SIGCHLD");
    expect(g).toContain("[Detaching after fork from child process 2]");
    expect(g).not.toContain("Catchpoint 1 (exec'd"); // the child, not debugged, execs unseen
    expect(g).toContain("[Inferior 1 (process 1) exited normally]");
    expect(r.stdout).toBe("usr1=1 alrm=1\nchild after exec\nchild status 3\n");
    expect(r.status).toBe(0);
  }, 120_000);

  it("follow-fork-mode child: gdb follows the child through its exec (read through vFile) to its end", async () => {
    const ev = "guests/bin/gdbevents.nolibc.elf";
    const r = await debug(
      ["--mount", `${ev}:/bin/gdbevents`, ev, "/bin/gdbevents"],
      ["source examples/gdb/follow-fork-child.gdb"],
    );
    const g = r.gdb;
    expect(g).toContain("[Attaching after Thread 1.1 fork to child Thread 2.2]");
    expect(g).toContain("[Detaching after fork from parent process 1]");
    expect(g).toContain("process 2 is executing new program: /bin/gdbevents");
    expect(g).toContain("Reading /bin/gdbevents from remote target...");
    expect(g).toMatch(/hit Catchpoint 1 \(exec'd \/bin\/gdbevents\), _start \(\)/);
    expect(g).toMatch(/\* 2 +process 2 .* target:\/bin\/gdbevents/);
    expect(g).toMatch(/hit Breakpoint 2\.1, main \(argc=2, argv=0x[0-9a-f]+\) at guests\/gdbevents\.c:41/);
    expect(g).toContain("[Inferior 2 (process 2) exited with code 03]");
    expect(r.stdout).toBe("usr1=1 alrm=1\nchild after exec\nchild status 3\n");
    expect(r.status).toBe(3); // the run's end is that of the process gdb followed
  }, 120_000);

  it("a bare guest that turns on paging: symbols at virtual addresses, monitor walk explains its fault", async () => {
    // The README's walkthrough, command for command (its script, examples/gdb/bare-paging.gdb).
    const r = await debug(["--bare", "guests/bin/bare_paging.elf"], ["source examples/gdb/bare-paging.gdb"]);
    const g = r.gdb;
    expect(g).toContain("_start () at guests/bare_paging.S:31");
    expect(g).toContain("$1 = 3");
    expect(g).toContain("Breakpoint 1 at 0xffffffff80005000: file guests/bare_paging.S");
    expect(g).toContain("Breakpoint 1, start_kernel () at guests/bare_paging.S");
    expect(g).toContain("$2 = 0x8000000000080001"); // Sv39, ASID 0, root at 0x80001000
    expect(g).toContain("$3 = 1");
    expect(g).toContain("Breakpoint 2, s_trap () at guests/bare_paging.S");
    expect(g).toContain("$4 = 0xd"); // a load page fault
    expect(g).toContain("$5 = 0xffffffffc0001000");
    expect(g).toMatch(
      /level 0 PTE \[ {2}1\] pte @ 0x80003008 = 0x0000000000000000 -+ {2}not valid: page fault/,
    );
    expect(g).toMatch(
      /level 0 PTE \[ {2}0\] pte @ 0x80003000 = 0x[0-9a-f]+ VRW---AD {2}leaf: 4K page at 0x80004000/,
    );
    expect(g).toMatch(/^dtlb-4k\s+0xffffffffc0000000-0xffffffffc0000fff\s+0x80004000/m);
    expect(g).toContain("[Inferior 1 (Remote target) exited normally]");
    expect(r.status).toBe(0);
  }, 120_000);

  it.each([
    ["bare", ["--bare"], /\$2 = 0x8000000[04]/, "Remote target"],
    ["under the kernel", [], /\$2 = 0x1000[04]/, "process 1"],
  ])(
    "Ctrl-C (%s): SIGINT to gdb interrupts a running guest (T02), which can be examined and killed",
    async (_mode, opts, pc, inferior) => {
      const dir = mkdtempSync(join(tmpdir(), "mmlab-gdb-"));
      const loop = join(dir, "loop.s");
      writeFileSync(loop, "_start:\n  addi a0, a0, 1\n  j _start\n");
      try {
        // Once gdb has attached (it prints where the guest is), it continues; a moment later the
        // user presses Ctrl-C: gdb gets SIGINT and sends the interrupt byte.
        const r = await debug([...opts, loop], ["continue", "p $a0 > 1000", "p/x $pc", "kill"], (gdb) => {
          let out = "";
          gdb.stdout?.on("data", (d: Buffer) => {
            if (out.includes("in ?? ()")) return;
            out += d.toString();
            if (out.includes("in ?? ()")) setTimeout(() => gdb.kill("SIGINT"), 1500);
          });
        });
        expect(r.gdb).toContain("Program received signal SIGINT, Interrupt.");
        expect(r.gdb).toContain("$1 = 1");
        expect(r.gdb).toMatch(pc);
        expect(r.gdb).toContain(`[Inferior 1 (${inferior}) killed]`);
        expect(r.status).toBe(137);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    120_000,
  );

  it("a bare guest: stepi, CSRs, priv, monitor stats; kill", async () => {
    const r = await debug(
      ["--bare", "guests/bin/bench_bare.elf"],
      ["stepi", "p/x $pc", "p $priv", "p/x $misa", "info registers mstatus", "monitor stats", "kill"],
    );
    expect(r.gdb).toMatch(/\$1 = 0x8000000[0-9a-f]/);
    expect(r.gdb).toMatch(/\$2 = 3/);
    expect(r.gdb).toMatch(/\$3 = 0x800000000014112d/);
    expect(r.gdb).toMatch(/^mstatus\s+0xa00000000/m);
    expect(r.gdb).toContain("no translations counted (satp Bare, or no access since the counters started)");
    expect(r.status).toBe(137);
  }, 120_000);
});
