// The console's line editing (src/cli/line-editor.ts), driven through streams with no pty: the
// guard that keeps at most MAX_CONSOLE_LINE + 1 bytes of a line, Ctrl-C clearing the line being
// typed (kept out of the history), Ctrl-L clearing the screen, Ctrl-D ending the input only on an
// empty line; and the kernel console through it (an unknown command named, a huge line refused).

import { PassThrough, Readable, Writable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { consoleLoop } from "../../src/cli/console.js";
import { LineEditor, LineGuard } from "../../src/cli/line-editor.js";
import { Machine } from "../../src/cpu/index.js";
import { bootKernel } from "../../src/kernel/index.js";
import { KConsole, MAX_CONSOLE_LINE } from "../../src/session/index.js";

/** A stream that keeps what is written to it. */
function sink(): { stream: Writable; text: () => string } {
  let text = "";
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString("utf8");
      done();
    },
  });
  return { stream, text: () => text };
}

/** What the guard passes of `chunks`. */
async function guarded(chunks: (string | Buffer)[]): Promise<{ text: string; cut: number }> {
  const guard = new LineGuard(Readable.from(chunks, { objectMode: false }));
  let text = "";
  for await (const c of guard) text += (c as Buffer).toString("latin1");
  return { text, cut: guard.cut };
}

describe("LineGuard", () => {
  it("passes short lines as they are", async () => {
    expect(await guarded(["echo a\nech", "o b\r\n"])).toEqual({ text: "echo a\necho b\r\n", cut: 0 });
  });

  it("keeps MAX_CONSOLE_LINE + 1 bytes of a longer line and drops the rest, in any chunks", async () => {
    const long = "a".repeat(1 << 20);
    const keep = "a".repeat(MAX_CONSOLE_LINE + 1);
    expect(await guarded([`${long}\nok\n`])).toEqual({ text: `${keep}\nok\n`, cut: 1 });
    const chunks = [...(`x\n${long}\r${long}`.match(/[\s\S]{1,1000}/g) ?? []), "\nend"];
    expect(await guarded(chunks)).toEqual({ text: `x\n${keep}\r${keep}\nend`, cut: 2 });
    // A line of exactly MAX_CONSOLE_LINE + 1 bytes is not cut (the console refuses it whole).
    expect(await guarded([`${keep}\n`])).toEqual({ text: `${keep}\n`, cut: 0 });
  });

  it("starts the count again at Ctrl-C and Ctrl-U, which clear the line", async () => {
    const half = "b".repeat(MAX_CONSOLE_LINE - 10);
    expect(await guarded([`${half}\x03${half}\x15${half}\n`])).toEqual({
      text: `${half}\x03${half}\x15${half}\n`,
      cut: 0,
    });
  });

  it("passes setRawMode on to a terminal source, and detach pauses the source", () => {
    const source = new PassThrough() as PassThrough & { isTTY?: boolean; setRawMode?: (m: boolean) => void };
    const modes: boolean[] = [];
    source.isTTY = true;
    source.setRawMode = (m) => modes.push(m);
    const guard = new LineGuard(source);
    expect(guard.isTTY).toBe(true);
    guard.setRawMode(true).setRawMode(false);
    expect(modes).toEqual([true, false]);
    guard.detach();
    expect(source.isPaused()).toBe(true);
  });
});

/** A terminal editor fed `keys`, one write each; the lines it gives and what it echoed. */
async function typed(keys: string[]): Promise<{ lines: string[]; screen: string }> {
  const input = new PassThrough();
  const out = sink();
  const editor = new LineEditor({ input, output: out.stream, terminal: true, prompt: () => "> " });
  const lines: string[] = [];
  const done = (async () => {
    for await (const line of editor.lines()) {
      lines.push(line);
      editor.prompt();
    }
  })();
  editor.prompt();
  for (const k of keys) input.write(k);
  input.end();
  await done;
  editor.close();
  return { lines, screen: out.text() };
}

describe("LineEditor on a terminal", () => {
  it("Ctrl-C clears the line being typed: ^C, a new prompt, nothing run, nothing in the history", async () => {
    const r = await typed(["one\r", "abc", "\x03", "def\r", "\x1b[A", "\x1b[A", "\r"]);
    // Up twice goes back past 'def' to 'one': 'abc' is not in the history.
    expect(r.lines).toEqual(["one", "def", "one"]);
    expect(r.screen).toContain("abc^C\r\n");
    // Ctrl-C on an empty line: ^C and a new prompt, as bash prints it.
    const e = await typed(["\x03", "\x03", "x\r"]);
    expect(e.lines).toEqual(["x"]);
    expect(e.screen.match(/\^C\r\n/g)).toHaveLength(2);
  });

  it("only Ctrl-D on an empty line ends the input", async () => {
    const input = new PassThrough();
    const editor = new LineEditor({ input, output: sink().stream, terminal: true, prompt: () => "> " });
    const lines: string[] = [];
    const done = (async () => {
      for await (const line of editor.lines()) lines.push(line);
      return "ended";
    })();
    input.write("ab\x04"); // a character to delete: nothing at the end of the line
    input.write("c\r");
    input.write("\x04");
    expect(await done).toBe("ended");
    expect(lines).toEqual(["abc"]);
    editor.close();
  });

  it("Ctrl-L clears the screen and shows the line again", async () => {
    const r = await typed(["ab", "\x0c", "c\r"]);
    expect(r.lines).toEqual(["abc"]);
    const clear = r.screen.indexOf("\x1b[1;1H\x1b[0J"); // cursor home, erase below
    expect(clear).toBeGreaterThan(0);
    expect(r.screen.slice(clear)).toMatch(/> [\s\S]*ab/);
  });

  it("a huge pasted line is not echoed back whole, and reaches the console cut", async () => {
    const r = await typed([`${"z".repeat(1 << 20)}\r`, "ok\r"]);
    expect(r.lines.map((l) => l.length)).toEqual([MAX_CONSOLE_LINE + 1, 2]);
    expect(r.screen.length).toBeLessThan(3 * MAX_CONSOLE_LINE);
  });
});

describe("the console through the line editor", () => {
  const boot = () => {
    const k = bootKernel(new Machine({ mem: 64 << 20, tlb: "tiny" }), "");
    let text = "";
    const kc = new KConsole(k, (s) => {
      text += s;
    });
    return { kc, out: () => text };
  };
  let stderr = "";
  beforeEach(() => {
    stderr = "";
    vi.stubEnv("MMLAB_HISTORY", "");
    vi.spyOn(process.stderr, "write").mockImplementation((c: unknown) => {
      stderr += String(c);
      return true;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it("on a terminal: Ctrl-C clears, an unknown command is named, a huge line is refused, quit ends", async () => {
    const { kc, out } = boot();
    const input = new PassThrough();
    const screen = sink();
    const loop = consoleLoop(kc, input, true, screen.stream);
    for (const k of ["echo a\r", "vfree p\x03", "vmaloc 4K\r", `echo ${"y".repeat(100_000)}\r`, "echo b\r"])
      input.write(k);
    input.write("quit\r");
    input.write("echo c\r");
    expect(await loop).toEqual({ failedAt: null, panicked: false });
    expect(out()).toBe("a\nb\n");
    expect(stderr).toBe(
      "error: unknown command 'vmaloc' (did you mean 'vmalloc'?) (see help)\n" +
        `error: line refused: longer than ${MAX_CONSOLE_LINE} bytes\n`,
    );
    expect(screen.text()).toContain("vfree p^C\r\n");
    expect(screen.text().length).toBeLessThan(3 * MAX_CONSOLE_LINE);
  });

  it("from a pipe: a huge line without its end is neither kept whole nor run", async () => {
    const { kc, out } = boot();
    const big = function* () {
      yield "echo a\n";
      for (let i = 0; i < 8; i++) yield "x".repeat(1 << 20); // 8 MiB, one line
      yield "\necho b\n";
    };
    const r = await consoleLoop(kc, Readable.from(big(), { objectMode: false }), false);
    expect(r).toEqual({ failedAt: null, panicked: false });
    expect(out()).toBe("a\nb\n");
    expect(stderr).toBe(`mmlab: <stdin>:2: line refused: longer than ${MAX_CONSOLE_LINE} bytes\n`);
  });

  it("a script line just at the limit runs, one byte longer is refused", () => {
    const { kc } = boot();
    const at = `echo ${"é".repeat((MAX_CONSOLE_LINE - 6) / 2)}`;
    expect(new TextEncoder().encode(at).length).toBe(MAX_CONSOLE_LINE - 1);
    expect(kc.exec(`${at}x`)).toEqual({ kind: "ok" });
    expect(kc.exec(`${at}xy`)).toEqual({
      kind: "error",
      message: `line refused: longer than ${MAX_CONSOLE_LINE} bytes`,
    });
  });
});
