// The socket side of `mmlab run --gdb` (src/cli/gdb-server.ts): --gdb's value, a session over a
// Unix socket and over TCP with the stub, and a client that disconnects mid-packet (the guest
// goes on to its end without it).

import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { assemble } from "../../src/asm/index.js";
import { parseGdbListen, serveGdb } from "../../src/cli/gdb-server.js";
import { Machine } from "../../src/cpu/index.js";
import { BareTarget, frame } from "../../src/gdb/index.js";

const PROGRAM = `
    .text
    .globl _start
_start:
    li a1, 0
loop:
    addi a1, a1, 1
    li t0, 1000
    blt a1, t0, loop
    li t0, 0x100000
    li t1, 0x5555
    sw t1, 0(t0)
1:  j 1b
`;

function target(): { t: BareTarget; m: Machine } {
  const prog = assemble(PROGRAM, { file: "t.s", base: 0x8000_0000n });
  const m = new Machine({ mem: 1 << 22 });
  m.loadFlat(prog.toFlat(), prog.base);
  return { t: new BareTarget(m, null), m };
}

/** Wait until what the stub sent (`got`) matches `re`; returns it all. */
function until(got: { text: string }, re: RegExp): Promise<string> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (re.test(got.text)) resolve(got.text);
      else setTimeout(check, 5);
    };
    check();
  });
}

/** The listen report of serveGdb as a promise: resolved once the stub listens, however loaded the host. */
function listening(): { report: (where: string) => void; where: Promise<string> } {
  let report: (where: string) => void = () => {};
  const where = new Promise<string>((resolve) => {
    report = resolve;
  });
  return { report, where };
}

describe("--gdb", () => {
  it("takes PORT, HOST:PORT and unix:PATH", () => {
    expect(parseGdbListen("1234", "run")).toEqual({ host: "127.0.0.1", port: 1234 });
    expect(parseGdbListen("0.0.0.0:1", "run")).toEqual({ host: "0.0.0.0", port: 1 });
    expect(parseGdbListen("unix:/tmp/s", "run")).toEqual({ path: "/tmp/s" });
    expect(() => parseGdbListen("nope", "run")).toThrow("--gdb expects [HOST:]PORT or unix:PATH, got 'nope'");
    expect(() => parseGdbListen("70000", "run")).toThrow("--gdb expects");
    expect(() => parseGdbListen("unix:", "run")).toThrow("needs a path");
  });

  it("--gdb-wait: nothing runs until gdb continues; the exit is reported as W and ends the run", async () => {
    const { t, m } = target();
    const path = join(tmpdir(), `mmlab-gdb-${process.pid}.sock`);
    const listen = listening();
    const done = serveGdb(t, { path }, true, listen.report);
    expect(await listen.where).toBe(`unix:${path}`);
    expect(m.harts[0]!.steps).toBe(0);
    const sock = connect(path);
    const got = { text: "" };
    sock.on("data", (d) => {
      got.text += d.toString("latin1");
    });
    sock.write(frame("?"));
    await until(got, /T05thread:1;/);
    expect(m.harts[0]!.steps).toBe(0);
    sock.write(frame("c"));
    await until(got, /\$W00#/);
    expect(await done).toEqual({ kind: "exited", code: 0 });
    sock.destroy();
  });

  it("a client that disconnects mid-packet: the guest goes on to its end, breakpoints gone", async () => {
    const { t } = target();
    const listen = listening();
    const done = serveGdb(t, { host: "127.0.0.1", port: 0 }, true, listen.report);
    const port = Number((await listen.where).split(":").pop());
    const sock = connect(port, "127.0.0.1");
    const got = { text: "" };
    sock.on("data", (d) => {
      got.text += d.toString("latin1");
    });
    sock.write(frame("Z0,80000004,4"));
    await until(got, /OK/);
    sock.write("$m8000");
    await new Promise((r) => setTimeout(r, 20));
    sock.destroy();
    expect(await done).toEqual({ kind: "exited", code: 0 });
  });
});
