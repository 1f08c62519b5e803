#!/usr/bin/env python3
"""record-expected.py — runs every test case of the guest programs under
qemu-riscv64 (user-mode emulation of Linux) and records what they print and
their exit status, as the expectations the project's tests compare against.

qemu is only the oracle used here, once, to write guests/expected/; the
project's tests never run it.

Usage: python3 guests/record-expected.py           write guests/expected/
       python3 guests/record-expected.py --check   compare, write nothing

Every case runs from the repository root as guests/bin/NAME.VARIANT.elf ARGS
(so argv[0] and AT_EXECFN are that path), with exactly the environment listed
(nothing else), stdin from the listed file or empty, and host folders
"mounted" at the listed guest paths (qemu's -L prefix stands in for
`mmlab run --mount`). When both builds print the same, one NAME.TAG.out holds
it; otherwise there is one file per build, NAME.TAG.VARIANT.out. The status is
the shell's: 128 + N for a death by signal N (139 for SIGSEGV).
"""
import json
import os
import subprocess
import sys
import tempfile

GUESTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(GUESTS)
EXPECTED = os.path.join(GUESTS, "expected")
VARIANTS = ("nolibc", "glibc")

# (program, tag, args, env, stdin, mounts)
CASES = [
    ("hello", "noargs", [], [], None, []),
    ("echo_args", "args", ["one", "two words", ""], ["HOME=/home/guest", "MMLAB=1"], None, []),
    ("echo_args", "noenv", [], [], None, []),
    ("sort", "stdin-small", [], [], "guests/inputs/sort-small.txt", []),
    ("sort", "stdin-1000", [], [], "guests/inputs/sort-1000.txt", []),
    ("sort", "stdin-empty", [], [], None, []),
    ("sort", "stdin-bad", [], [], "guests/inputs/sort-bad.txt", []),
    ("sort", "gen-1000-1", ["1000", "1"], [], None, []),
    ("sort", "gen-100000-42", ["100000", "42"], [], None, []),
    ("mstress", "default", [], [], None, []),
    ("mstress", "200-7", ["200", "7"], [], None, []),
    ("thp_touch", "default", [], [], None, []),
    ("thp_touch", "512-split", ["512", "split"], [], None, []),
    ("thp_touch", "2m", ["2m"], [], None, []),
    ("ptrchase", "1m-64-1000000", ["1m", "64", "1000000"], [], None, []),
    ("ptrchase", "64m-4096-100000-7", ["64m", "4096", "100000", "7"], [], None, []),
    ("ptrchase", "4k-64-16", ["4k", "64", "16"], [], None, []),
    ("ptrchase", "usage", ["64", "128", "1"], [], None, []),
    ("exitcode", "none", [], [], None, []),
    ("exitcode", "300", ["300"], [], None, []),
    ("exitcode", "7-exit", ["7", "exit"], [], None, []),
    ("exitcode", "minus1", ["-1"], [], None, []),
    ("exitcode", "nan", ["x"], [], None, []),
    ("cat", "stdin", [], [], "guests/inputs/cat.txt", []),
    ("cat", "mounted-file", ["/data/cat.txt", "/data/missing.txt"], [], None,
     [("guests/inputs", "/data")]),
    ("sysprobe", "default", [], [], None, []),
] + [("segv", mode, [mode], [], None, [])
     for mode in ("null", "kread", "kwrite", "unmapped", "rodata", "mprotect", "nx")] + [
    ("segv", "bogus", ["bogus"], [], None, []),
]


def run(program, variant, args, env, stdin, mounts):
    cmd = ["qemu-riscv64"]
    tmp = None
    if mounts:
        tmp = tempfile.TemporaryDirectory()
        for host, guest in mounts:
            link = os.path.join(tmp.name, guest.lstrip("/"))
            os.makedirs(os.path.dirname(link), exist_ok=True)
            os.symlink(os.path.join(ROOT, host), link)
        cmd += ["-L", tmp.name]
    cmd += [f"guests/bin/{program}.{variant}.elf"] + args
    # qemu-user hands the guest its own environment in reverse order, so
    # give it reversed to have the guest see the listed order, as execve does.
    environ = dict(kv.split("=", 1) for kv in reversed(env))
    with open(os.path.join(ROOT, stdin) if stdin else os.devnull, "rb") as f:
        p = subprocess.run(cmd, cwd=ROOT, env=environ, stdin=f, capture_output=True)
    if tmp:
        tmp.cleanup()
    status = p.returncode if p.returncode >= 0 else 128 - p.returncode
    return p.stdout, status


def main():
    check = "--check" in sys.argv[1:]
    manifest, failures = [], 0
    for program, tag, args, env, stdin, mounts in CASES:
        cid = f"{program}.{tag}"
        outs = {v: run(program, v, args, env, stdin, mounts) for v in VARIANTS}
        statuses = {outs[v][1] for v in VARIANTS}
        if len(statuses) != 1:
            print(f"{cid}: the builds disagree on the status: "
                  + ", ".join(f"{v} {outs[v][1]}" for v in VARIANTS))
            failures += 1
        same = outs["nolibc"][0] == outs["glibc"][0]
        files = {v: f"{cid}.out" if same else f"{cid}.{v}.out" for v in VARIANTS}
        for v in VARIANTS:
            path = os.path.join(EXPECTED, files[v])
            if check:
                old = open(path, "rb").read() if os.path.exists(path) else None
                if old != outs[v][0]:
                    print(f"{cid} ({v}): stdout differs from {files[v]}")
                    failures += 1
            else:
                with open(path, "wb") as f:
                    f.write(outs[v][0])
        manifest.append({
            "id": cid,
            "program": program,
            "args": args,
            "env": env,
            "stdin": stdin,
            "mounts": [{"host": h, "guest": g} for h, g in mounts],
            "status": outs["nolibc"][1],
            "stdout": files,
        })
        print(f"{cid}: status {outs['nolibc'][1]}, "
              + ("one output" if same else "outputs differ by build"))
    text = json.dumps({
        "about": "Expected stdout and exit status of each guest case, recorded under "
                 "qemu-riscv64 by guests/record-expected.py; see guests/README.md.",
        "cases": manifest,
    }, indent=2) + "\n"
    mpath = os.path.join(EXPECTED, "cases.json")
    if check:
        if not os.path.exists(mpath) or json.load(open(mpath)) != json.loads(text):
            print("cases.json differs")
            failures += 1
        print(f"{failures} failed" if failures else "all cases match")
    else:
        with open(mpath, "w") as f:
            f.write(text)
        # The repository's `biome check` formats JSON its own way; follow it.
        biome = os.path.join(ROOT, "node_modules", ".bin", "biome")
        if os.path.exists(biome):
            subprocess.run([biome, "format", "--write", mpath], cwd=ROOT, check=True,
                           capture_output=True)
        else:
            print("note: node_modules/.bin/biome not found; cases.json left unformatted")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
