// The playground page: the terminal (xterm.js) and its line editor, the machine's settings, the
// guests (bundled, or an ELF dropped on the page), the run controls, the scenes, the live views.
// The emulator runs in a Web Worker (worker.ts); the views are drawn from its latest snapshot on
// the next animation frame, so they follow the machine at the display's pace.

import { Terminal } from "@xterm/xterm";
import "@xterm/xterm/css/xterm.css";
import catUrl from "../../guests/bin/cat.nolibc.elf?url";
import helloUrl from "../../guests/bin/hello.nolibc.elf?url";
import ptrchaseUrl from "../../guests/bin/ptrchase.nolibc.elf?url";
import sortUrl from "../../guests/bin/sort.nolibc.elf?url";
import thpUrl from "../../guests/bin/thp_touch.nolibc.elf?url";
import { LineEditor } from "./line-editor.js";
import type { FromWorker, ToWorker } from "./protocol.js";
import { parseUrl, SCENES, type Scene, shareSearch } from "./scenes.js";
import { DEFAULT_SETTINGS, type MachineSettings, PRESETS, type RunState } from "./settings.js";
import type { HartTlb, Snapshot } from "./snapshot.js";
import {
  chartSvg,
  diffTlb,
  esc,
  hartTlbHtml,
  PerfHistory,
  type TlbDiff,
  tlbChanged,
  vmallocHtml,
  walkHtml,
} from "./views.js";

/** The bundled guests: name, URL, arguments suggested in the guest box. */
const GUESTS: [string, string, string][] = [
  ["hello", helloUrl, ""],
  ["sort", sortUrl, "10000 1"],
  ["ptrchase", ptrchaseUrl, "4m 4096 50000"],
  ["thp_touch", thpUrl, "0"],
  ["cat", catUrl, ""],
];

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el as T;
};

const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
const send = (m: ToWorker): void => worker.postMessage(m);

const term = new Terminal({
  convertEol: true,
  fontSize: 12,
  rows: 24,
  cols: 100,
  scrollback: 5000,
  theme: { background: "#111318" },
});
term.open($("terminal"));

let state: RunState = { program: null, paused: false, queued: 0, panicked: false, input: false };
let settings: MachineSettings = { ...DEFAULT_SETTINGS };
let snapshot: Snapshot | null = null;
let prevHarts: HartTlb[] = [];
let diffs: TlbDiff[] = [];
let dirty = false;
const perfHistory = new PerfHistory();
let lastScene: Scene | undefined;
/** Every line sent since the last boot: what the share link carries. */
let sent: string[] = [];
let variables: string[] = [];

const COMMAND_NAMES = [
  ...[
    "vmalloc",
    "vzalloc",
    "vmalloc_huge",
    "vfree",
    "vrealloc",
    "kmalloc",
    "kzalloc",
    "kfree",
    "krealloc",
    "ksize",
    "kvmalloc",
    "kvzalloc",
    "kvfree",
    "kvrealloc",
    "read",
    "write",
    "memset",
    "cat",
    "area",
    "tlb",
    "walk",
    "stats",
    "purge",
    "hart",
    "print",
    "vars",
    "echo",
    "expect",
    "help",
  ],
  ...["run", "guests", "boot", "pause", "step", "resume", "kill"],
  "/proc/meminfo",
  "/proc/vmallocinfo",
];

const prompt = (): string => `mmlab:hart${snapshot?.cpu ?? 0}> `;
const editor = new LineEditor(prompt, () => [...COMMAND_NAMES, ...variables, ...GUESTS.map((g) => g[0])]);

function showPrompt(): void {
  term.write(`\x1b[32m${prompt()}\x1b[0m${editor.line}`);
}

/** Send console lines (typed, a script, a scene). */
function runLines(text: string): void {
  for (const l of text.split("\n")) {
    const v = /^\s*([A-Za-z_]\w*)\s*=/.exec(l);
    if (v && !variables.includes(v[1]!)) variables.push(v[1]!);
  }
  sent.push(...text.split("\n").filter((l) => l.trim()));
  send({ type: "lines", text });
}

/** The running program's standard input, a line at a time (echoed, with Backspace and Ctrl-U),
 *  or raw: each key as typed. */
const inputEditor = new LineEditor(
  () => "",
  () => [],
);
const enc = new TextEncoder();

$("tlb-zoom").addEventListener("input", (e) => {
  $("tlb").style.setProperty("--cell", `${(e.target as HTMLInputElement).value}px`);
});

function guestKeys(data: string): void {
  if (data.includes("\x03")) {
    send({ type: "control", line: "kill" });
    return;
  }
  if (($("raw-input") as HTMLInputElement).checked) {
    send({ type: "stdin", bytes: enc.encode(data), eof: false });
    return;
  }
  if (data === "\x04") {
    // Ctrl-D, as a cooked terminal: the line typed so far goes; on an empty line, end of input.
    const line = inputEditor.line;
    inputEditor.feed("\x15"); // Ctrl-U: the editor forgets the line
    send({ type: "stdin", bytes: enc.encode(line), eof: line === "" });
    return;
  }
  const r = inputEditor.feed(data);
  term.write(r.echo);
  for (const line of r.lines) send({ type: "stdin", bytes: enc.encode(`${line}\n`), eof: false });
}

term.onData((data) => {
  if (state.program !== null) {
    guestKeys(data);
    return;
  }
  const r = editor.feed(data);
  if (r.interrupt && state.program) send({ type: "control", line: "kill" });
  term.write(r.echo);
  for (const line of r.lines) runLines(line);
  if (r.interrupt && !state.program) showPrompt();
});

function boot(s: MachineSettings): void {
  settings = s;
  sent = [];
  variables = [];
  script.length = 0;
  send({ type: "boot", settings: s });
}

/** A script's lines (a scene's, a link's) wait here and go one at a time, each after the last
 *  one's work and a pause, so that every view shows each step. */
const script: string[] = [];
/** The pause between two lines of a script, ms. */
const SCRIPT_PACE_MS = 600;
let scriptTimer: ReturnType<typeof setTimeout> | null = null;

function playScript(text: string): void {
  script.push(...text.split("\n").filter((l) => l.trim()));
  if (scriptTimer === null && state.program === null && state.queued === 0) nextScriptLine();
}

function nextScriptLine(): void {
  scriptTimer = null;
  const line = script.shift();
  if (line === undefined) return;
  term.write(`\x1b[33m${line}\x1b[0m\r\n`);
  runLines(line);
}

worker.onmessage = (ev: MessageEvent<FromWorker>) => {
  const m = ev.data;
  switch (m.type) {
    case "out":
      term.write(m.text);
      break;
    case "state":
      state = m.state;
      renderControls();
      break;
    case "idle":
      if (script.length) {
        if (scriptTimer === null) scriptTimer = setTimeout(nextScriptLine, SCRIPT_PACE_MS);
      } else showPrompt();
      break;
    case "ready":
      // A new machine: its settings in the boxes, its views from scratch.
      settings = m.settings;
      renderSettings();
      perfHistory.reset();
      prevHarts = [];
      diffs = [];
      break;
    case "snapshot":
      snapshot = m.snapshot;
      // A snapshot that changed no TLB keeps the last highlights (a flush stays visible until
      // the next TLB change).
      diffs = snapshot.harts.map((h, i) => {
        const d = diffTlb(prevHarts[i], h);
        return tlbChanged(d) || !diffs[i] || prevHarts.length !== snapshot!.harts.length ? d : diffs[i]!;
      });
      prevHarts = snapshot.harts;
      perfHistory.add(snapshot.perf);
      if (!dirty) {
        dirty = true;
        requestAnimationFrame(draw);
      }
      break;
    case "walk":
      $("walk-out").innerHTML = m.walk ? walkHtml(m.walk) : `<div class="error">${esc(m.error ?? "")}</div>`;
      break;
    case "bench":
      break;
  }
};

/** Draw the views from the latest snapshot (once per animation frame at most). */
function draw(): void {
  dirty = false;
  if (!snapshot) return;
  // A redraw replaces the grids: the large ones' scroll positions are kept.
  const scrolled = new Map<string, [number, number]>();
  for (const el of $("tlb").querySelectorAll<HTMLElement>(".grid-scroll"))
    scrolled.set(el.dataset.scroll ?? "", [el.scrollTop, el.scrollLeft]);
  $("tlb").innerHTML = snapshot.harts.map((h, i) => hartTlbHtml(h, diffs[i]!)).join("");
  for (const el of $("tlb").querySelectorAll<HTMLElement>(".grid-scroll")) {
    const at = scrolled.get(el.dataset.scroll ?? "");
    if (at) [el.scrollTop, el.scrollLeft] = at;
  }
  $("vmalloc").innerHTML = vmallocHtml(snapshot.vmalloc);
  $("chart").innerHTML = chartSvg(perfHistory);
  $("counters").textContent =
    `instructions ${snapshot.instret.toLocaleString("en-US")}; vmalloc pages ${snapshot.kernel.nr_vmalloc_pages}; ` +
    `lazy ${snapshot.kernel.vmap_lazy_nr}; purges ${snapshot.kernel.vmap_purges}; shootdowns ${snapshot.kernel.tlb_shootdowns}`;
  if (walkAddress) send({ type: "walk", address: walkAddress, hart: walkHart() });
}

// ---- the walk box: typed, or a click on a TLB cell or a vmalloc segment ----
let walkAddress = "";
const walkHart = (): number => Number(($("walk-hart") as HTMLInputElement).value) || 0;
function walk(address: string): void {
  walkAddress = address.trim();
  ($("walk-addr") as HTMLInputElement).value = walkAddress;
  if (walkAddress) send({ type: "walk", address: walkAddress, hart: walkHart() });
}
$("walk-form").addEventListener("submit", (e) => {
  e.preventDefault();
  walk(($("walk-addr") as HTMLInputElement).value);
});
for (const id of ["tlb", "vmalloc"]) {
  $(id).addEventListener("click", (e) => {
    const va = (e.target as Element).closest("[data-va]")?.getAttribute("data-va");
    if (va) walk(va);
  });
}

// ---- settings, guests, controls, scenes ----
function renderSettings(): void {
  ($("set-tlb") as HTMLSelectElement).value = settings.tlb;
  ($("set-harts") as HTMLInputElement).value = String(settings.harts);
  ($("set-cmdline") as HTMLInputElement).value = settings.cmdline;
}
const tlbSelect = $("set-tlb") as HTMLSelectElement;
tlbSelect.innerHTML = PRESETS.map((p) => `<option>${p}</option>`).join("");
$("boot").addEventListener("click", () => {
  term.write("\r\n");
  boot({
    tlb: tlbSelect.value,
    harts: Math.max(1, Math.min(64, Number(($("set-harts") as HTMLInputElement).value) || 1)),
    cmdline: ($("set-cmdline") as HTMLInputElement).value,
  });
});

const guestSelect = $("guest") as HTMLSelectElement;
function addGuestOption(name: string, args: string): void {
  if (![...guestSelect.options].some((o) => o.value === name)) {
    const o = document.createElement("option");
    o.value = name;
    o.textContent = name;
    o.dataset.args = args;
    guestSelect.append(o);
  }
}
guestSelect.addEventListener("change", () => {
  ($("guest-args") as HTMLInputElement).value = guestSelect.selectedOptions[0]?.dataset.args ?? "";
});
$("run").addEventListener("click", () => {
  const args = ($("guest-args") as HTMLInputElement).value.trim();
  const line = `run ${guestSelect.value}${args ? ` ${args}` : ""}`;
  term.write(`${line}\r\n`);
  runLines(line);
});
async function loadGuests(): Promise<void> {
  for (const [name, url, args] of GUESTS) {
    const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
    send({ type: "guest", name, bytes });
    addGuestOption(name, args);
  }
  ($("guest-args") as HTMLInputElement).value = GUESTS[0]![2];
}
/** A dropped (or chosen) ELF file becomes a guest named after it. */
async function addFile(f: File): Promise<void> {
  const name = f.name.replace(/\s+/g, "_");
  send({ type: "guest", name, bytes: new Uint8Array(await f.arrayBuffer()) });
  addGuestOption(name, "");
  guestSelect.value = name;
  term.write(`\r\n[${name}: ${f.size} bytes, 'run ${name}' runs it]\r\n`);
  showPrompt();
}
document.body.addEventListener("dragover", (e) => e.preventDefault());
document.body.addEventListener("drop", (e) => {
  e.preventDefault();
  for (const f of e.dataTransfer?.files ?? []) void addFile(f);
});
$("file").addEventListener("change", (e) => {
  for (const f of (e.target as HTMLInputElement).files ?? []) void addFile(f);
});

function renderControls(): void {
  const running = state.program !== null;
  ($("pause") as HTMLButtonElement).disabled = !running || state.paused;
  ($("resume") as HTMLButtonElement).disabled = !running || !state.paused;
  ($("step") as HTMLButtonElement).disabled = !running || !state.paused;
  ($("kill") as HTMLButtonElement).disabled = !running;
  $("status").textContent = state.panicked
    ? "kernel panic: boot again"
    : running
      ? `${state.program} ${state.paused ? "paused" : state.input ? "waiting for input (type it in the terminal)" : "running"}${state.queued ? `, ${state.queued} lines waiting` : ""}`
      : "at the console";
}
for (const c of ["pause", "resume", "kill"]) {
  $(c).addEventListener("click", () => send({ type: "control", line: c }));
}
$("step").addEventListener("click", () =>
  send({ type: "control", line: `step ${($("step-n") as HTMLInputElement).value || "1"}` }),
);

function playScene(s: Scene): void {
  lastScene = s;
  $("scene-text").innerHTML = `<b>${esc(s.title)}</b><br>${esc(s.text)}`;
  history.replaceState(null, "", shareSearch(s.settings, s.script, s) || location.pathname);
  term.write(`\r\n\x1b[33m# scene: ${s.title}\x1b[0m\r\n`);
  boot(s.settings);
  playScript(s.script);
}
$("scenes").innerHTML = SCENES.map((s) => `<button data-scene="${s.id}">${esc(s.title)}</button>`).join("");
$("scenes").addEventListener("click", (e) => {
  const id = (e.target as Element).closest("[data-scene]")?.getAttribute("data-scene");
  const s = SCENES.find((x) => x.id === id);
  if (s) playScene(s);
});
$("share").addEventListener("click", () => {
  const url = `${location.origin}${location.pathname}${shareSearch(settings, sent.join("\n"), lastScene)}`;
  ($("share-url") as HTMLInputElement).value = url;
  window.history.replaceState(null, "", url);
});

// ---- start: the guests, then the machine the URL asks for, then its script ----
async function start(): Promise<void> {
  term.write(
    "mmlab playground: the kernel console ('help' lists the commands; 'run hello' runs a guest).\r\n",
  );
  await loadGuests();
  const req = parseUrl(location.search, PRESETS);
  if (req.error) term.write(`\x1b[31mthe link: ${req.error}\x1b[0m\r\n`);
  boot(req.settings);
  if (req.scene) {
    lastScene = req.scene;
    $("scene-text").innerHTML = `<b>${esc(req.scene.title)}</b><br>${esc(req.scene.text)}`;
  }
  if (req.script) playScript(req.script);
  renderControls();
  term.focus();
}
void start();

/** For the end-to-end test: the terminal's text, row by row (xterm keeps it in a buffer, not the DOM). */
(window as unknown as { mmlabTerminalText: () => string }).mmlabTerminalText = () => {
  const b = term.buffer.active;
  const rows: string[] = [];
  for (let i = 0; i < b.length; i++) {
    const line = b.getLine(i);
    const text = line?.translateToString(true) ?? "";
    if (line?.isWrapped && rows.length) rows[rows.length - 1] += text;
    else rows.push(text);
  }
  return rows.join("\n");
};
