// `mmlab run --gdb [HOST:]PORT|unix:PATH [--gdb-wait]`: the socket side of the gdb stub
// (src/gdb). One gdb at a time; the guest runs in slices on the event loop so that gdb's bytes
// (a Ctrl-C among them) are read while it runs. Without --gdb-wait the guest starts at once and
// gdb may attach later (the guest stops when it does); with it, nothing runs until gdb attaches
// and continues. When gdb goes away the guest goes on without breakpoints; when the guest ends,
// gdb is told (W/X) and the run ends with the guest's status.

import { existsSync, unlinkSync } from "node:fs";
import type { Server, Socket } from "node:net";
import { GdbStub, SLICE, type StopEvent, type Target } from "../gdb/index.js";
import { usageError } from "./args.js";
import { err } from "./io.js";

/** Where the stub listens. */
export type GdbListen = { host: string; port: number } | { path: string };

/** Parse --gdb's value: PORT, HOST:PORT or unix:PATH. */
export function parseGdbListen(text: string, command: string): GdbListen {
  if (text.startsWith("unix:")) {
    const path = text.slice(5);
    if (!path) throw usageError(command, "--gdb unix:PATH needs a path");
    return { path };
  }
  const m = /^(?:(.*):)?(\d+)$/.exec(text);
  const port = m ? Number(m[2]) : Number.NaN;
  if (!m || !(port >= 0 && port <= 65535)) {
    throw usageError(command, `--gdb expects [HOST:]PORT or unix:PATH, got '${text}'`);
  }
  return { host: m[1] || "127.0.0.1", port };
}

/** How a debugged run ended: the guest's stop (exit or kill). */
export type GdbRunEnd = Extract<StopEvent, { kind: "exited" | "killed" }>;

/**
 * Serve `target` to gdb at `listen` until the guest ends; resolves with how it ended.
 * `onListening` gets the address actually bound (port 0 picks one).
 */
export function serveGdb(
  target: Target,
  listen: GdbListen,
  wait: boolean,
  onListening: (where: string) => void = (w) => err(`mmlab: gdb: listening on ${w}\n`),
): Promise<GdbRunEnd> {
  return new Promise((resolve, reject) => {
    let client: Socket | null = null;
    let stub: GdbStub | null = null;
    let end: GdbRunEnd | null = null;
    /** Free run: nobody attached (or gdb detached) and not waiting for gdb. */
    let free = !wait;
    let scheduled = false;
    // node:net on demand: every `mmlab run` loads this module, few serve gdb (start-up).
    const server: Server = process.getBuiltinModule("node:net").createServer();

    const finish = (e: GdbRunEnd): void => {
      if (end) return;
      end = e;
      if (client) client.end();
      server.close();
      if ("path" in listen && existsSync(listen.path)) unlinkSync(listen.path);
      resolve(e);
    };

    const tick = (): void => {
      scheduled = false;
      if (end) return;
      try {
        if (stub && client) {
          stub.pump(SLICE);
          if (stub.state === "exited") finish(endOf(stub.stop));
          else if (stub.state === "running") schedule();
          return;
        }
        if (!free) return;
        const ev = target.run(SLICE);
        if (ev && ev.kind !== "signal") finish(ev);
        else schedule();
      } catch (e) {
        reject(e);
      }
    };
    const schedule = (): void => {
      if (!scheduled) {
        scheduled = true;
        setImmediate(tick);
      }
    };

    server.on("connection", (sock) => {
      if (client) {
        sock.end(); // one gdb at a time
        return;
      }
      client = sock;
      sock.setNoDelay(true);
      const s = new GdbStub(target, { send: (b) => sock.write(b) });
      stub = s;
      sock.on("data", (d: Buffer) => {
        try {
          s.receive(new Uint8Array(d.buffer, d.byteOffset, d.length));
        } catch (e) {
          reject(e);
          return;
        }
        if (s.state === "exited") finish(endOf(s.stop));
        else if (s.state === "detached") sock.end();
        else if (s.state === "running") schedule();
      });
      const gone = (): void => {
        if (client !== sock) return;
        client = null;
        stub = null;
        if (end) return;
        if (s.state === "exited") {
          finish(endOf(s.stop));
          return;
        }
        s.disconnect();
        free = true; // the guest goes on without gdb
        schedule();
      };
      sock.on("close", gone);
      sock.on("error", gone);
    });
    server.on("error", reject);
    const bound = (): void => {
      const a = server.address();
      onListening(typeof a === "string" || a === null ? `unix:${a}` : `${a.address}:${a.port}`);
      schedule();
    };
    if ("path" in listen) server.listen(listen.path, bound);
    else server.listen(listen.port, listen.host, bound);
  });
}

/** The end of a run whose stub saw the guest exit or be killed. */
function endOf(ev: StopEvent): GdbRunEnd {
  return ev.kind === "signal" ? { kind: "killed", signal: ev.signal } : ev;
}
