#!/usr/bin/env python3
"""record-expected.py — runs every test case of the guest programs under
qemu-riscv64 (user-mode emulation of Linux) and records what they print and
their exit status, as the expectations the project's tests compare against;
and records the expected output of the benchmark suite (guests/bench.json).

qemu is only the oracle used here, once, to write guests/expected/ and
guests/bench.json; the project's tests never run it.

Usage: python3 guests/record-expected.py           write everything
       python3 guests/record-expected.py --check   compare, write nothing
       python3 guests/record-expected.py --only NAME...
                record only the cases (and host runs) of programs NAME: their
                entries are replaced in cases.json / next.json (a new one goes
                after the case before it in CASES); the other entries and
                bench.json are kept as they are (some cases, e.g. hostile
                munmap-huge, take many minutes under qemu on a loaded machine)
       python3 guests/record-expected.py --mmlab   also run each benchmark
                under `node bin/mmlab.js run --stats=json` (build mmlab first):
                its stdout must match, bench.json gets its instruction count
                (without --mmlab the counts already there are kept), and the
                wall times of mmlab (cold, the whole command) and of
                qemu-riscv64 are printed, not recorded

Outputs:
  expected/cases.json  the cases mmlab runs today (test/kernel/guests.test.ts
                       runs every one, in both builds)
  expected/next.json   the cases that need kernel work not done yet (issues
                       11 and 13); same format, plus "variants" (the builds
                       that exist: glibc only for pthreads), "bin" (programs
                       the case execs through PATH) and "needs" (what is
                       missing in mmlab)
  expected/*.out       the stdout of each case
  expected/*.host-linux.out
                       HOST_RUNS (errno_probe; jobctl all) built natively
                       with the host's cc and run on the host kernel: Linux's
                       own answers where qemu's emulated ones differ
                       (skipped without cc)
  bench.json           each benchmark's command line and expected stdout

Every case runs from the repository root as guests/bin/NAME.VARIANT.elf ARGS
(so argv[0] and AT_EXECFN are that path), with exactly the environment listed
(nothing else), stdin from the listed file or empty, and host folders
"mounted" at the listed guest paths (qemu's -L prefix stands in for
`mmlab run --mount`). A case with "bin" runs with its PATH directory replaced
by a temporary one holding, for each program NAME listed, a script that runs
guests/bin/NAME.VARIANT.elf under qemu-riscv64 with argv[0] = NAME: qemu-user
cannot exec a RISC-V program itself (the host kernel would need binfmt_misc);
under mmlab the test mounts or installs those programs at that directory.
When both builds print the same, one NAME.TAG.out holds it; otherwise there
is one file per build, NAME.TAG.VARIANT.out. The status is the shell's:
128 + N for a death by signal N (139 for SIGSEGV).
"""
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time

GUESTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(GUESTS)
EXPECTED = os.path.join(GUESTS, "expected")
BOTH = ("nolibc", "glibc")
GLIBC = ("glibc",)
QEMU = shutil.which("qemu-riscv64") or "qemu-riscv64"

ISSUE13 = "issue 13 (processes, signals, files)"


def case(program, tag, args=(), env=(), stdin=None, mounts=(), bin=None, variants=BOTH, needs=None,
         linux=None):
    """A test case. bin: (guest PATH directory, [programs]); needs: None when
    mmlab runs the case today (cases.json), else what it lacks (next.json); linux:
    the file of Linux's own answers the case expects where qemu's differ (qemu's
    recording is still written, as CASE.out)."""
    return dict(program=program, tag=tag, args=list(args), env=list(env), stdin=stdin,
                mounts=list(mounts), bin=bin, variants=variants, needs=needs, linux=linux)


CASES = [
    case("hello", "noargs"),
    case("echo_args", "args", ["one", "two words", ""], ["HOME=/home/guest", "MMLAB=1"]),
    case("echo_args", "noenv"),
    case("sort", "stdin-small", stdin="guests/inputs/sort-small.txt"),
    case("sort", "stdin-1000", stdin="guests/inputs/sort-1000.txt"),
    case("sort", "stdin-empty"),
    case("sort", "stdin-bad", stdin="guests/inputs/sort-bad.txt"),
    case("sort", "gen-1000-1", ["1000", "1"]),
    case("sort", "gen-100000-42", ["100000", "42"]),
    case("mstress", "default"),
    case("mstress", "200-7", ["200", "7"]),
    case("thp_touch", "default"),
    case("thp_touch", "512-split", ["512", "split"]),
    case("thp_touch", "2m", ["2m"]),
    case("ptrchase", "1m-64-1000000", ["1m", "64", "1000000"]),
    case("ptrchase", "64m-4096-100000-7", ["64m", "4096", "100000", "7"]),
    case("ptrchase", "4k-64-16", ["4k", "64", "16"]),
    case("ptrchase", "usage", ["64", "128", "1"]),
    case("exitcode", "none"),
    case("exitcode", "300", ["300"]),
    case("exitcode", "7-exit", ["7", "exit"]),
    case("exitcode", "minus1", ["-1"]),
    case("exitcode", "nan", ["x"]),
    case("cat", "stdin", stdin="guests/inputs/cat.txt"),
    case("cat", "mounted-file", ["/data/cat.txt", "/data/missing.txt"], mounts=[("guests/inputs", "/data")]),
    case("sysprobe", "default"),
] + [case("segv", mode, [mode]) for mode in ("null", "kread", "kwrite", "unmapped", "rodata", "mprotect", "nx")] + [
    case("segv", "bogus", ["bogus"]),
    # exec targets and small tools
    case("echo", "args", ["hello,", "world", "", "x"]),
    case("wc", "stdin", stdin="guests/inputs/cat.txt"),
    case("wc", "mounted-files", ["/data/cat.txt", "/data/sort-small.txt", "/data/missing.txt"],
         mounts=[("guests/inputs", "/data")]),
    case("oom_touch", "16m-4m", ["16m", "4m"]),
    case("gdbtarget", "default"),
    case("gdbtarget", "segv", ["segv"]),
    # issue 11: what mmlab already answers as Linux does
    case("hostile", "mprotect-huge", ["mprotect-huge"]),
    case("hostile", "touch-16m", ["touch", "16m"]),
    case("hostile", "getrandom-huge", ["getrandom-huge"]),
    case("hostile", "syscall-huge", ["syscall-huge"]),
    case("hostile", "brk-huge", ["brk-huge"]),
    case("hostile", "args", ["args", "plain", "caf\u00e9", "tab\there", ""]),
    case("hostile", "write-huge", ["write-huge"]),
    case("hostile", "munmap-huge", ["munmap-huge"]),
    case("hostile", "munmap-all", ["munmap-all"]),
    case("hostile", "read-huge", ["read-huge", "/data/cat.txt"], mounts=[("guests/inputs", "/data")]),
    case("hostile", "madvise-huge", ["madvise-huge"]),
    case("hostile", "clock-bad", ["clock-bad"]),
    case("hostile", "tgkill-bad", ["tgkill-bad"]),
    case("bigbss", "default"),
    # issue 13
    case("rm", "missing", ["/tmp/rm-no-such-file"]),
    case("fork_wait", "default", env=["PATH=/bin"], bin=("/bin", ["exitcode"])),
    case("pipeline", "default"),
    case("pipeline", "100", ["100"]),
    case("pipeline", "sigpipe", ["sigpipe"]),
    case("pthreads", "default", variants=GLIBC),
    case("pthreads", "16-5000", ["16", "5000"], variants=GLIBC),
    case("threadbomb", "100", ["100"], variants=GLIBC),
    case("sigalrm", "default"),
    case("sigsegv_longjmp", "default"),
    case("sigmasks", "default"),
    case("jobctl", "default"),
    case("cputimer", "default"),
    case("execthr", "default", env=["PATH=/bin"], bin=("/bin", ["execthr"]), variants=GLIBC),
    case("shootdown", "munmap-split-2", ["munmap", "split", "2", "65536"], variants=GLIBC),
    case("shootdown", "mprotect-batch-4", ["mprotect", "batch", "4", "1m"], variants=GLIBC),
    case("pi_mutex", "default", variants=GLIBC),
    case("files", "default"),
    case("attrs", "default", variants=GLIBC),
    case("cow", "default"),
    case("cow", "4096", ["4096"]),
    case("minish", "basic", env=["PATH=/bin"], stdin="guests/inputs/minish-basic.sh",
         bin=("/bin", ["cat", "echo", "exitcode", "rm", "wc"])),
    case("minish", "stdin", env=["PATH=/bin"], stdin="guests/inputs/minish-stdin.sh",
         bin=("/bin", ["cat", "echo"])),
    case("forkbomb", "40", ["40"]),
    case("errno_probe", "default", linux="errno_probe.host-linux.out"),
]

# The benchmark suite: (name, mode, program, args, stdout from: program + args under qemu)
BENCH = [
    ("bench_coremark", "kernel", "bench_coremark.glibc.elf", [], None),
    ("bench_sort", "kernel", "bench_sort.glibc.elf", [], None),
    ("bench_hash", "kernel", "bench_hash.glibc.elf", [], None),
    ("bench_fp", "kernel", "bench_fp.glibc.elf", [], None),
    ("bench_chase", "kernel", "bench_chase.glibc.elf", [], None),
    # bench_coremark.c built for bare metal with BARE_ITERATIONS (build.sh): qemu-user
    # cannot run it, so its expected output is the Linux build's with that count.
    ("bench_bare", "bare", "bench_bare.elf", [], ("bench_coremark.glibc.elf", ["590"])),
]


def no_core():
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # qemu-user would dump guest cores


def wrappers(tmp, programs, variant):
    """A directory of scripts that run guests/bin/NAME.VARIANT.elf under qemu."""
    os.makedirs(tmp, exist_ok=True)
    for name in programs:
        path = os.path.join(tmp, name)
        elf = os.path.join(GUESTS, "bin", f"{name}.{variant}.elf")
        with open(path, "w") as f:
            f.write(f'#!/bin/sh\nexec {QEMU} -0 {name} {elf} "$@"\n')
        os.chmod(path, 0o755)


def run(c, variant):
    cmd = [QEMU]
    tmp = tempfile.TemporaryDirectory()
    env = list(c["env"])
    if c["mounts"]:
        for host, guest in c["mounts"]:
            link = os.path.join(tmp.name, "root", guest.lstrip("/"))
            os.makedirs(os.path.dirname(link), exist_ok=True)
            os.symlink(os.path.join(ROOT, host), link)
        cmd += ["-L", os.path.join(tmp.name, "root")]
    if c["bin"]:
        guest_dir, programs = c["bin"]
        host_dir = os.path.join(tmp.name, "bin")
        wrappers(host_dir, programs, variant)
        env = [f"PATH={':'.join(host_dir if d == guest_dir else d for d in kv[5:].split(':'))}"
               if kv.startswith("PATH=") else kv for kv in env]
    cmd += [f"guests/bin/{c['program']}.{variant}.elf"] + c["args"]
    # qemu-user hands the guest its own environment in reverse order, so
    # give it reversed to have the guest see the listed order, as execve does.
    environ = dict(kv.split("=", 1) for kv in reversed(env))
    with open(os.path.join(ROOT, c["stdin"]) if c["stdin"] else os.devnull, "rb") as f:
        p = subprocess.run(cmd, cwd=ROOT, env=environ, stdin=f, capture_output=True, preexec_fn=no_core)
    tmp.cleanup()
    status = p.returncode if p.returncode >= 0 else 128 - p.returncode
    return p.stdout, status


def old_manifests():
    """The entries of the current cases.json and next.json, in their order."""
    out = {}
    for key, name in (("cases", "cases.json"), ("next", "next.json")):
        path = os.path.join(EXPECTED, name)
        out[key] = json.load(open(path))["cases"] if os.path.exists(path) else []
    return out


def merge_entry(manifests, key, entry, prev_id):
    """Put `entry` in manifests[key]: in place of the entry with its id, else after prev_id's
    (else at the end); an entry with its id in the other manifest leaves it."""
    for k in manifests:
        manifests[k] = [e for e in manifests[k] if e["id"] != entry["id"] or k == key]
    ids = [e["id"] for e in manifests[key]]
    if entry["id"] in ids:
        manifests[key][ids.index(entry["id"])] = entry
    elif prev_id in ids:
        manifests[key].insert(ids.index(prev_id) + 1, entry)
    else:
        manifests[key].append(entry)


def record_cases(only=None):
    """Run every case (or those of the programs in `only`, keeping the others' entries);
    returns (cases.json text, next.json text, files, failures)."""
    manifests = old_manifests() if only else {"cases": [], "next": []}
    files_out, failures = {}, 0
    prev_id = None
    for c in CASES:
        cid = f"{c['program']}.{c['tag']}"
        if only and c["program"] not in only:
            prev_id = cid
            continue
        variants = c["variants"]
        outs = {v: run(c, v) for v in variants}
        statuses = {outs[v][1] for v in variants}
        if len(statuses) != 1:
            print(f"{cid}: the builds disagree on the status: "
                  + ", ".join(f"{v} {outs[v][1]}" for v in variants))
            failures += 1
        same = len({outs[v][0] for v in variants}) == 1
        files = {v: f"{cid}.out" if same else f"{cid}.{v}.out" for v in variants}
        for v in variants:
            files_out[files[v]] = outs[v][0]
        if c["linux"]:
            files = {v: c["linux"] for v in variants}  # the case expects Linux's answers
        entry = {
            "id": cid,
            "program": c["program"],
            "args": c["args"],
            "env": c["env"],
            "stdin": c["stdin"],
            "mounts": [{"host": h, "guest": g} for h, g in c["mounts"]],
            "status": outs[variants[0]][1],
            "stdout": files,
        }
        bin_entry = {"guest": c["bin"][0], "programs": c["bin"][1]} if c["bin"] else None
        if c["needs"] is not None:
            entry = {**entry, "variants": list(variants), "bin": bin_entry, "needs": c["needs"]}
        else:
            if tuple(variants) != BOTH:
                entry = {**entry, "variants": list(variants)}  # guests.test.ts runs only these
            if bin_entry is not None:
                entry = {**entry, "bin": bin_entry}  # test/kernel/guest-cases.ts mounts them
        key = "cases" if c["needs"] is None else "next"
        if only:
            merge_entry(manifests, key, entry, prev_id)
        else:
            manifests[key].append(entry)
        prev_id = cid
        print(f"{cid}: status {entry['status']}, "
              + ("one output" if same else "outputs differ by build")
              + ("" if c["needs"] is None else "  [next.json]"))
    return manifests, files_out, failures


# Programs built for the host and run on its Linux, where qemu-riscv64's answer is not
# Linux's: (program, args, output file).
HOST_RUNS = [
    ("errno_probe", [], "errno_probe.host-linux.out"),
    ("jobctl", ["all"], "jobctl.all.host-linux.out"),
    ("cputimer", ["all"], "cputimer.all.host-linux.out"),
    ("execthr", ["all"], "execthr.all.host-linux.out"),
]


def host_runs(only=None):
    """HOST_RUNS built for the host and run there: the host kernel's answers ({file: stdout})."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc:
        print("note: no host C compiler; the *.host-linux.out files left as they are")
        return {}
    outs = {}
    with tempfile.TemporaryDirectory() as tmp:
        for program, args, name in HOST_RUNS:
            if only and program not in only:
                continue
            exe = os.path.join(tmp, program)
            subprocess.run([cc, "-O2", "-I", GUESTS, "-o", exe, os.path.join(GUESTS, f"{program}.c")], check=True)
            outs[name] = subprocess.run([exe, *args], capture_output=True, check=True).stdout
    return outs


def mmlab_run(mode, program, args):
    """Run under mmlab; returns (stdout, status, stats dict)."""
    cmd = ["node", os.path.join(ROOT, "bin", "mmlab.js"), "run", "--stats=json", "-q"]
    cmd += ["--bare"] if mode == "bare" else []
    p = subprocess.run(cmd + [f"guests/bin/{program}"] + args, cwd=ROOT, capture_output=True,
                       stdin=subprocess.DEVNULL)
    stats = {}
    for line in reversed(p.stderr.decode().splitlines()):
        if line.startswith("{"):
            stats = json.loads(line)
            break
    return p.stdout, p.returncode, stats


def qemu_seconds(program, args):
    """Wall time of one run under qemu-riscv64 (for the ratio; not recorded)."""
    start = time.monotonic()
    subprocess.run([QEMU, f"guests/bin/{program}"] + args, cwd=ROOT, capture_output=True, env={})
    return time.monotonic() - start


def record_bench(use_mmlab):
    """bench.json: each benchmark's expected stdout (and, with mmlab, its instruction count)."""
    path = os.path.join(GUESTS, "bench.json")
    old = {}
    if os.path.exists(path):
        old = {b["name"]: b for b in json.load(open(path))["benchmarks"]}
    benches, failures = [], 0
    for name, mode, program, args, source in BENCH:
        src_prog, src_args = source or (program, args)
        out, status = run(case(src_prog.split(".")[0], name, src_args), src_prog.split(".")[1])
        entry = {"name": name, "mode": mode, "program": f"guests/bin/{program}", "args": args,
                 "stdout": out.decode(), "status": status}
        if source:
            entry["stdoutFrom"] = f"guests/bin/{src_prog} {' '.join(src_args)} under qemu-riscv64"
        if use_mmlab:
            start = time.monotonic()
            mout, mstatus, stats = mmlab_run(mode, program, args)
            wall = time.monotonic() - start
            if mout != out or mstatus != status:
                print(f"{name}: mmlab's output or status ({mstatus}) differs from qemu's")
                failures += 1
            insns = stats.get("instret", 0)
            entry["instructions"] = insns
            qemu_wall = qemu_seconds(src_prog, src_args)
            print(f"{name}: {insns} instructions; mmlab {wall:.1f} s for the whole command "
                  f"({insns / wall / 1e6:.1f} MIPS), {stats.get('wallSeconds', 0):.1f} s running the guest; "
                  f"qemu-riscv64 {qemu_wall:.2f} s" + (" (the Linux build)" if source else ""))
        elif "instructions" in old.get(name, {}):
            entry["instructions"] = old[name]["instructions"]
        benches.append(entry)
        print(f"{name}: status {status}")
    text = json.dumps({
        "about": "The real-program benchmark suite (issue 12): each program's command line under "
                 "`mmlab run` (mode kernel) or `mmlab run --bare` (mode bare), its expected stdout and "
                 "status, recorded under qemu-riscv64 by guests/record-expected.py, and the guest "
                 "instructions it retires under mmlab (--stats=json instret). See guests/README.md.",
        "benchmarks": benches,
    }, indent=2) + "\n"
    return path, text, failures


def biome_format(paths):
    # The repository's `biome check` formats JSON its own way; follow it.
    biome = os.path.join(ROOT, "node_modules", ".bin", "biome")
    if os.path.exists(biome):
        subprocess.run([biome, "format", "--write", *paths], cwd=ROOT, check=True, capture_output=True)
    else:
        print("note: node_modules/.bin/biome not found; JSON left unformatted")


def json_text(about, cases, extra=None):
    return json.dumps({"about": about, **(extra or {}), "cases": cases}, indent=2) + "\n"


def main():
    check = "--check" in sys.argv[1:]
    use_mmlab = "--mmlab" in sys.argv[1:]
    only = sys.argv[sys.argv.index("--only") + 1:] if "--only" in sys.argv else None
    manifests, files, failures = record_cases(only)
    files.update(host_runs(only))
    texts = {
        "cases.json": json_text(
            "Expected stdout and exit status of each guest case, recorded under qemu-riscv64 by "
            "guests/record-expected.py; see guests/README.md.", manifests["cases"]),
        "next.json": json_text(
            "Cases mmlab cannot run yet (see each one's needs), recorded under qemu-riscv64 by "
            "guests/record-expected.py in the format of cases.json; see guests/README.md.",
            manifests["next"],
            {"hostKernel": f"{platform.system()} {platform.release()} {platform.machine()} "
                           "(errno_probe.host-linux.out)"}),
    }
    if only:
        bench_path = os.path.join(GUESTS, "bench.json")
        bench_text, bench_failures = open(bench_path).read(), 0
    else:
        bench_path, bench_text, bench_failures = record_bench(use_mmlab)
    failures += bench_failures
    if check:
        for name, data in files.items():
            path = os.path.join(EXPECTED, name)
            old = open(path, "rb").read() if os.path.exists(path) else None
            if old != data and not name.endswith(".host-linux.out"):
                print(f"{name}: stdout differs")
                failures += 1
        for name, text in list(texts.items()) + [(bench_path, bench_text)]:
            path = os.path.join(EXPECTED, name)
            new = json.loads(text)
            if name.endswith("next.json"):
                new.pop("hostKernel")
            old = json.load(open(path)) if os.path.exists(path) else None
            if old is not None and name.endswith("next.json"):
                old.pop("hostKernel", None)
            if old != new:
                print(f"{os.path.basename(name)} differs")
                failures += 1
        print(f"{failures} failed" if failures else "all cases match")
        return 1 if failures else 0
    for name, data in files.items():
        with open(os.path.join(EXPECTED, name), "wb") as f:
            f.write(data)
    paths = []
    for name, text in list(texts.items()) + [(bench_path, bench_text)]:
        path = os.path.join(EXPECTED, name)
        with open(path, "w") as f:
            f.write(text)
        paths.append(path)
    biome_format(paths)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
