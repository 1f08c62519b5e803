// The emulator's Web Worker: the engine (engine.ts) and its loop. Work is done in pieces of a
// few milliseconds so that messages (typed lines, pause, a walk) are answered between them; a
// snapshot for the views is posted after each line and, while a program runs, at most every
// SNAPSHOT_MS (the page draws it on its next animation frame).

import { runDemo } from "./bench-core.js";
import { Engine } from "./engine.js";
import type { FromWorker, ToWorker } from "./protocol.js";

interface WorkerScope {
  postMessage(m: FromWorker): void;
  onmessage: ((ev: MessageEvent<ToWorker>) => void) | null;
}
const scope = self as unknown as WorkerScope;
const post = (m: FromWorker): void => scope.postMessage(m);

/** Terminal output is batched and posted with the snapshot or at the end of a piece. */
let pending = "";
const out = (text: string): void => {
  pending += text;
};
const flush = (): void => {
  if (pending) post({ type: "out", text: pending });
  pending = "";
};

/** The longest piece of work between two looks at the message queue. */
const PIECE_MS = 12;
/** The least time between two snapshots while a program runs (about two frames). */
const SNAPSHOT_MS = 33;

let engine: Engine | null = null;
/** The guests received so far (bundled and dropped), kept across boots. */
const guests = new Map<string, Uint8Array>();
let lastSnapshot = 0;
let scheduled = false;
let lastState = "";
/** The engine's generation the page last heard of (a new machine: "ready"). */
let lastGeneration = -1;

function publish(force: boolean): void {
  if (!engine) return;
  if (engine.generation !== lastGeneration) {
    lastGeneration = engine.generation;
    post({ type: "ready", settings: engine.settings });
  }
  flush();
  const state = engine.state();
  const key = JSON.stringify(state);
  if (key !== lastState) {
    lastState = key;
    post({ type: "state", state });
  }
  const now = performance.now();
  if (force || now - lastSnapshot >= SNAPSHOT_MS) {
    lastSnapshot = now;
    post({ type: "snapshot", snapshot: engine.snapshot() });
  }
}

/** Run `fn`; an exception is a bug of mmlab, not of the guest: say so in the terminal, never
 *  leave the page hanging. */
function guarded(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    out(
      `\x1b[31minternal error: ${e instanceof Error ? e.message : String(e)} (this is a bug in mmlab)\x1b[0m\n`,
    );
    try {
      engine?.kill(); // the program that met the bug does not run on
    } catch {
      // the engine is past helping: 'boot' makes a new one
    }
    flush();
    post({ type: "idle" });
  }
}

/** Work for up to PIECE_MS, publish, and come back while there is more. */
function loop(): void {
  scheduled = false;
  guarded(piece);
}

function piece(): void {
  if (!engine) return;
  const start = performance.now();
  let more = engine.busy();
  const hadTask = engine.state().program !== null;
  while (more && performance.now() - start < PIECE_MS) more = engine.pump();
  publish(!hadTask || !more);
  if (more) schedule();
  else if (engine.state().program === null) post({ type: "idle" });
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  setTimeout(loop, 0);
}

function handle(m: ToWorker): void {
  switch (m.type) {
    case "boot": {
      engine = new Engine(out, m.settings);
      for (const [name, bytes] of guests) engine.guests.set(name, bytes);
      lastGeneration = -1;
      publish(true);
      break;
    }
    case "guest":
      guests.set(m.name, m.bytes);
      engine?.guests.set(m.name, m.bytes);
      return;
    case "lines":
      engine?.submit(m.text);
      break;
    case "stdin":
      if (m.bytes.length) engine?.input(m.bytes);
      if (m.eof) engine?.eof();
      break;
    case "control":
      engine?.control(m.line);
      publish(true);
      break;
    case "walk": {
      if (!engine) return;
      const va = engine.parseAddress(m.address);
      if (typeof va === "string") post({ type: "walk", walk: null, error: va });
      else post({ type: "walk", walk: engine.walk(va, m.hart), error: null });
      return;
    }
    case "bench": {
      const r = runDemo(m.maxInsns);
      post({ type: "bench", ...r });
      return;
    }
  }
  schedule();
}

scope.onmessage = (ev) => {
  try {
    handle(ev.data);
  } catch (e) {
    // A bug of mmlab, not of the guest: say so in the terminal, never leave the page hanging.
    out(
      `\x1b[31minternal error: ${e instanceof Error ? e.message : String(e)} (this is a bug in mmlab)\x1b[0m\n`,
    );
    flush();
  }
};
