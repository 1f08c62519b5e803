// The playground's machine, run by the Web Worker (worker.ts) and, in the unit tests, by Node:
// the kernel booted from the page's settings, the kernel console (src/session/console.ts, the
// command set of `mmlab console`) and a few playground commands (run a guest, reboot, pause,
// step, resume). Lines run in order; a `run` holds the lines after it until its program exits.
// The running program's standard input is what the page sends (input(), eof()): a read with
// nothing there sleeps until it comes, and the engine is then idle, waiting for the page.
// pump() does a bounded piece of work, so the worker can answer messages and post snapshots
// between pieces. Nothing here touches the DOM or Node.

import {
  ExecError,
  type Kernel,
  KernelOops,
  type TaskIo,
  type task_struct,
  tty_input,
} from "../../src/kernel/index.js";
import { loadTlbConfig, TLB_PRESETS } from "../../src/mmu/index.js";
import { ConsoleError, consoleHelp, KConsole, type LineResult } from "../../src/session/console.js";
import { type BootedKernel, bootSession, isPanic, logOops } from "../../src/session/kernel.js";
import { execLine, MAX_HARTS } from "../../src/session/machine.js";
import { walkView } from "../../src/session/views.js";
import { DEFAULT_SETTINGS, type MachineSettings, type RunState } from "./settings.js";
import { type PageWalk, pageWalk, type Snapshot, takeSnapshot } from "./snapshot.js";

/** RAM of the playground's machine: enough for the guests, small for a browser tab. */
export const PLAYGROUND_MEM = 256 << 20;

/** The playground's own commands, listed after the console's in `help`. */
export const PLAYGROUND_COMMANDS: Record<string, { usage: string; help: string }> = {
  run: { usage: "run GUEST [ARGS...]", help: "run a guest (see 'guests') as a process; lines after it wait" },
  guests: { usage: "guests", help: "list the bundled guests and the ELF files dropped on the page" },
  boot: {
    usage: "boot [--harts N] [--tlb PRESET] [CMDLINE...]",
    help: "reboot the machine (the settings not given are kept)",
  },
  pause: { usage: "pause", help: "stop the running program between instructions" },
  step: { usage: "step [N]", help: "run N instructions (default 1) of the paused program" },
  resume: { usage: "resume", help: "let the paused program go on" },
  kill: { usage: "kill", help: "kill the running program (SIGKILL); also Ctrl-C" },
};

/** `help` of the playground: the console's commands, then the playground's. */
export function playgroundHelp(): string {
  const rows = Object.values(PLAYGROUND_COMMANDS).map((c) => `  ${c.usage.padEnd(34)}${c.help}`);
  return `Commands:\n${consoleHelp()}\nPlayground commands:\n${rows.join("\n")}`;
}

/** Split a `boot` line's words into new settings; throws ConsoleError on a mistake. */
export function parseBootArgs(words: string[], current: MachineSettings): MachineSettings {
  const next = { ...current };
  const rest: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === "--harts") {
      const n = Number(words[++i]);
      if (!Number.isInteger(n) || n < 1 || n > MAX_HARTS)
        throw new ConsoleError(`boot: --harts takes 1 to ${MAX_HARTS}, not '${words[i] ?? ""}'`);
      next.harts = n;
    } else if (w === "--tlb") {
      const t = words[++i] ?? "";
      if (!TLB_PRESETS[t])
        throw new ConsoleError(`boot: unknown TLB preset '${t}' (${Object.keys(TLB_PRESETS).join(", ")})`);
      next.tlb = t;
    } else rest.push(w);
  }
  if (rest.length) next.cmdline = rest.join(" ");
  return next;
}

const dec = new TextDecoder();

/** How many instructions a program runs in one pump() (a few milliseconds). */
export const SLICE = 200_000;

export class Engine {
  settings: MachineSettings;
  session!: BootedKernel;
  kc!: KConsole;
  private readonly queue: string[] = [];
  private task: { t: task_struct; name: string; io: TaskIo } | null = null;
  /** The running program's standard input not read yet, and whether the page ended it. */
  private stdin: Uint8Array = new Uint8Array(0);
  private stdinEof = false;
  /** The program sleeps reading its standard input, which is empty (the page's turn). */
  private waiting = false;
  private paused = false;
  private panicked = false;
  /** Machines booted so far (a `boot` line makes a new one; the page then starts its views
   *  afresh). */
  generation = 0;
  /** Guests by name: bundled ones and dropped ELF files. */
  readonly guests = new Map<string, Uint8Array>();

  constructor(
    private readonly out: (text: string) => void,
    settings: MachineSettings = DEFAULT_SETTINGS,
  ) {
    this.settings = { ...settings };
    this.boot(this.settings);
  }

  get k(): Kernel {
    return this.session.k;
  }

  /** Build the machine from `s` and boot the kernel; its log goes to the terminal. A boot that
   *  fails (a bad command line is only reported; an oops is not) leaves the old machine. */
  boot(s: MachineSettings): void {
    const session = bootSession(
      { harts: s.harts, mem: PLAYGROUND_MEM, tlb: loadTlbConfig(s.tlb), satp: null, maxInsns: Infinity },
      {
        cmdline: s.cmdline,
        stats: false,
        show: (t) => this.out(`\x1b[2m${t}\x1b[0m\n`),
        filter: () => true,
        console: (b) => this.out(String.fromCharCode(b)),
      },
    );
    this.settings = { ...s };
    this.session = session;
    this.generation++;
    this.kc = new KConsole(session.k, (t) => this.out(t));
    this.task = null;
    this.paused = false;
    this.panicked = false;
  }

  state(): RunState {
    return {
      program: this.task?.name ?? null,
      paused: this.paused,
      queued: this.queue.length,
      panicked: this.panicked,
      input: this.waiting,
    };
  }

  /** Queue lines (a typed line, a script, a scene). The run controls act at once. */
  submit(text: string): void {
    for (const line of text.split(/\r?\n/)) {
      const word = line.trim().split(/\s+/)[0];
      if (this.task && (word === "pause" || word === "resume" || word === "step" || word === "kill")) {
        this.control(line.trim());
      } else this.queue.push(line);
    }
  }

  /** pause, resume, step N, kill: at once, even while lines wait. */
  control(line: string): void {
    const [word, arg] = line.split(/\s+/);
    if (word === "pause") this.paused = true;
    else if (word === "resume") this.paused = false;
    else if (word === "kill") this.kill();
    else if (word === "step") {
      const n = arg === undefined ? 1 : Number(arg);
      if (!this.task) {
        this.error("step: no program is running (run GUEST first)");
        return;
      }
      if (!Number.isInteger(n) || n < 1) {
        this.error(`step: N must be a positive number, not '${arg}'`);
        return;
      }
      this.paused = true;
      this.runSlice(n);
      if (this.task) this.out(`[stepped ${n}: pc 0x${this.pcOf(this.task.t)}]\n`);
    }
  }

  private pcOf(t: task_struct): string {
    return t.pc.toString(16);
  }

  /** Kill the running program and drop the lines waiting behind it. */
  kill(): void {
    if (!this.task) return;
    for (const t of this.k.sched.tasks) this.k.sched.exitTask(t, 128 + 9, 9); // SIGKILL
    this.queue.length = 0;
    this.paused = false;
    this.finishTask();
  }

  /** Bytes for the running program's standard input (what the terminal sends). */
  input(bytes: Uint8Array): void {
    if (!this.task || this.stdinEof) return;
    const next = new Uint8Array(this.stdin.length + bytes.length);
    next.set(this.stdin);
    next.set(bytes, this.stdin.length);
    this.stdin = next;
    this.waiting = false;
    tty_input(this.task.io);
  }

  /** End of the running program's input (Ctrl-D): reads return 0 once it is all taken. */
  eof(): void {
    if (!this.task) return;
    this.stdinEof = true;
    this.waiting = false;
    tty_input(this.task.io);
  }

  /** Is there work a pump() would do? */
  busy(): boolean {
    if (this.task) return !this.paused && !this.waiting;
    return this.queue.length > 0;
  }

  /** Do up to `budget` instructions of the running program, or run queued lines until one
   *  starts a program. Returns whether more work remains. */
  pump(budget = SLICE): boolean {
    if (this.task) {
      if (!this.paused) this.runSlice(budget);
      return this.busy();
    }
    while (this.queue.length && !this.task) this.line(this.queue.shift()!);
    return this.busy();
  }

  /** Run queued lines and programs to the end (tests, scripts without a page). */
  drain(maxInsns = 1e9): void {
    let spent = 0;
    while (this.busy() && spent < maxInsns) {
      this.pump(SLICE);
      spent += SLICE;
    }
  }

  private error(msg: string): void {
    this.out(`\x1b[31merror: ${msg}\x1b[0m\n`);
  }

  /** One line: a playground command or a console command. */
  private line(line: string): void {
    const text = line.replace(/#.*$/, "").trim();
    if (text === "") return;
    const words = text.split(/\s+/);
    const name = words[0]!;
    try {
      if (this.panicked && name !== "boot" && name !== "help")
        throw new ConsoleError("the kernel panicked: 'boot' starts a new machine");
      switch (name) {
        case "run":
          this.startProgram(words[1], words.slice(2));
          return;
        case "guests":
          this.out(`${[...this.guests.keys()].join("\n") || "(no guests)"}\n`);
          return;
        case "boot":
          this.boot(parseBootArgs(words.slice(1), this.settings));
          return;
        case "pause":
        case "resume":
        case "step":
        case "kill":
          this.control(text);
          return;
        case "help":
          if (words.length === 1) {
            this.out(`${playgroundHelp()}\n`);
            return;
          }
          if (PLAYGROUND_COMMANDS[words[1]!]) {
            const c = PLAYGROUND_COMMANDS[words[1]!]!;
            this.out(`${c.usage}\n  ${c.help}\n`);
            return;
          }
          break;
      }
    } catch (e) {
      if (!(e instanceof ConsoleError)) throw e;
      this.error(e.message);
      return;
    }
    this.report(this.kc.exec(text));
  }

  private report(r: LineResult): void {
    if (r.kind === "error") this.error(r.message);
    else if (r.kind === "oops") this.error("kernel oops (see the log above); the console goes on");
    else if (r.kind === "panic") {
      this.panicked = true;
      this.queue.length = 0;
      this.error("kernel panic: nothing more can run; 'boot' starts a new machine");
    } else if (r.kind === "quit") this.out("(the playground's console stays open; 'boot' reboots)\n");
  }

  private startProgram(name: string | undefined, args: string[]): void {
    if (name === undefined)
      throw new ConsoleError(`missing argument (usage: ${PLAYGROUND_COMMANDS.run!.usage})`);
    const elf = this.guests.get(name);
    if (!elf)
      throw new ConsoleError(
        `run: no guest '${name}' (guests: ${[...this.guests.keys()].join(", ") || "none"})`,
      );
    const out = this.out;
    this.stdin = new Uint8Array(0);
    this.stdinEof = false;
    this.waiting = false;
    const io: TaskIo = {
      stdin: (max) => {
        if (this.stdin.length === 0) return this.stdinEof ? new Uint8Array(0) : null;
        const n = Math.min(max, this.stdin.length);
        const got = this.stdin.slice(0, n);
        this.stdin = this.stdin.slice(n);
        return got;
      },
      write: (_fd, data) => out(dec.decode(data)),
      isatty: () => false,
    };
    let t: task_struct;
    try {
      t = this.k.sched.spawn({
        elf,
        path: name,
        argv: [name, ...args],
        envp: ["HOME=/", "PATH=/bin", "LANG=C"],
        io,
      });
    } catch (e) {
      if (e instanceof ExecError) throw new ConsoleError(`run: ${execLine(name, e)}`);
      throw e;
    }
    this.task = { t, name, io };
  }

  /** Run the scheduler for up to `n` instructions; a kernel oops kills the task (SIGSEGV). */
  private runSlice(n: number): void {
    let done = false;
    try {
      const outcome = this.k.sched.run(n);
      done = outcome === "done";
      this.waiting = outcome === "wait";
    } catch (e) {
      if (!(e instanceof KernelOops)) throw e;
      logOops(this.k, e);
      if (isPanic(e)) {
        // Nothing more runs on this kernel: the program is abandoned, 'boot' makes a new one.
        this.panicked = true;
        this.queue.length = 0;
        this.paused = false;
        if (this.task) this.error(`${this.task.name}: kernel panic; 'boot' starts a new machine`);
        this.task = null;
        return;
      }
      if (this.task?.t.running) this.k.sched.exitTask(this.task.t, 128 + 11, 11);
      done = !this.k.sched.tasks.some((t) => t.running);
    }
    if (done) this.finishTask();
  }

  private finishTask(): void {
    const t = this.task;
    if (!t) return;
    this.task = null;
    this.paused = false;
    this.waiting = false;
    const how = t.t.signal ? `killed by signal ${t.t.signal}` : `exited with ${t.t.exitCode ?? 0}`;
    this.out(`\x1b[36m[${t.name} ${how}]\x1b[0m\n`);
  }

  snapshot(): Snapshot {
    return takeSnapshot(this.k);
  }

  /** The walk view of `va` on `hart` (the console's `walk` text with it). */
  walk(va: bigint, hart: number): PageWalk {
    const id = hart >= 0 && hart < this.k.machine.harts.length ? hart : this.k.cpu;
    return pageWalk(this.k, va, id, walkView(this.k.machine, va, id));
  }

  /** Parse an address typed in the walk box (numbers, variables, sums), or a message. */
  parseAddress(text: string): bigint | string {
    try {
      return this.kc.value(text.trim());
    } catch (e) {
      if (e instanceof ConsoleError) return e.message;
      throw e;
    }
  }
}
