#!/usr/bin/env python3
"""Compiles every C++ file of a configured viva build against another libtorch's headers, syntax
only (no objects, no linking), with NCCL's process group compiled in. It checks that the code
builds against libtorch 2.x with CUDA and NCCL on a machine that has neither the libraries nor a
GPU: only the headers are needed (a libtorch folder, or a pip torch's package folder), plus a
CUDA toolkit's include folder for nccl.h and the CUDA runtime headers.

Usage: tools/gpu/compile_against.py LIBTORCH [--build build] [--cuda-include DIR] [--jobs 2]
                                    [--only REGEX] [--log FILE]
Prints one line per file with an ETA, then the errors; exits 1 when any file fails.
"""
import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed


def arguments():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("libtorch", help="libtorch folder (holding include/) or a pip torch's package folder")
    p.add_argument("--build", default="build", help="a configured build folder (compile_commands.json)")
    p.add_argument("--cuda-include", default="/usr/local/cuda/include", help="holds nccl.h and cuda_runtime_api.h")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--only", default="", help="check only files whose path matches this regex")
    p.add_argument("--log", default="", help="write every compiler message here")
    return p.parse_args()


def fail(message):
    print(f"compile_against: {message}", file=sys.stderr)
    sys.exit(2)


def header_shims(include, folder):
    """A CPU build of libtorch does not generate c10/cuda's CMake macro header; CUDA builds have it."""
    wanted = "c10/cuda/impl/cuda_cmake_macros.h"
    if os.path.exists(os.path.join(include, wanted)):
        return []
    os.makedirs(os.path.join(folder, os.path.dirname(wanted)))
    with open(os.path.join(folder, wanted), "w") as f:
        f.write("#pragma once\n#define C10_CUDA_BUILD_SHARED_LIBS\n")
    return ["-isystem", folder]


def forced_header(pch_wrapper):
    """The header CMake's precompiled-header wrapper includes (the .gch/.pch is for the other torch)."""
    with open(pch_wrapper) as f:
        found = re.search(r'#include "([^"]+)"', f.read())
    if not found:
        fail(f"{pch_wrapper}: no #include found in the precompiled header's wrapper")
    return found.group(1)


def rewritten(command, include, extra):
    """The entry's command with its torch include folders, output and precompiled header replaced."""
    words, kept, i = shlex.split(command), [], 0
    while i < len(words):
        w = words[i]
        following = words[i + 1] if i + 1 < len(words) else ""
        if w in ("-o", "-MF", "-MT", "-MQ"):
            i += 2
            continue
        if w in ("-c", "-Winvalid-pch", "-MD", "-MMD"):
            i += 1
            continue
        if w in ("-isystem", "-I") and ("/torch" in following or following.endswith("/include/torch")):
            i += 2
            continue
        if w == "-include" and following.endswith(("cmake_pch.hxx", "cmake_pch.h")):
            kept += ["-include", forced_header(following)]
            i += 2
            continue
        if w == "-Xclang" and following in ("-include-pch", "-include"):
            target = words[i + 3]
            if following == "-include" and target.endswith(("cmake_pch.hxx", "cmake_pch.h")):
                kept += ["-include", forced_header(target)]
            i += 4
            continue
        kept.append(w)
        i += 1
    return kept[:1] + ["-fsyntax-only", "-isystem", include, "-isystem", os.path.join(include, "torch/csrc/api/include")] \
        + extra + ["-DUSE_C10D_NCCL"] + kept[1:]


def main():
    a = arguments()
    include = os.path.join(os.path.abspath(a.libtorch), "include")
    if not os.path.exists(os.path.join(include, "torch/csrc/api/include/torch/torch.h")):
        fail(f"{a.libtorch}: no include/torch/csrc/api/include/torch/torch.h (not a libtorch or torch package folder)")
    if not os.path.exists(os.path.join(a.cuda_include, "nccl.h")):
        fail(f"{a.cuda_include}: no nccl.h (give a CUDA toolkit's include folder with --cuda-include)")
    database = os.path.join(a.build, "compile_commands.json")
    try:
        with open(database) as f:
            entries = json.load(f)
    except (OSError, ValueError) as e:
        fail(f"{database}: cannot read the compile commands ({e}); configure the build first")
    entries = [e for e in entries if e["file"].endswith((".cpp", ".cc")) and re.search(a.only, e["file"])
               and "/_deps/" not in e["file"]]
    if not entries:
        fail(f"{database}: no C++ file matches --only '{a.only}'")

    with tempfile.TemporaryDirectory() as shims:
        extra = header_shims(include, shims) + ["-isystem", a.cuda_include]

        def check(entry):
            run = subprocess.run(rewritten(entry["command"], include, extra), cwd=entry["directory"],
                                 capture_output=True, text=True)
            return entry["file"], run.returncode, run.stderr

        start, failed, messages = time.time(), [], []
        with ThreadPoolExecutor(a.jobs) as pool:
            futures = [pool.submit(check, e) for e in entries]
            for done, future in enumerate(as_completed(futures), 1):
                path, rc, stderr = future.result()
                messages.append(stderr)
                if rc != 0:
                    failed.append((path, stderr))
                elapsed = time.time() - start
                eta = elapsed / done * (len(entries) - done)
                name = os.path.relpath(path)
                print(f"[{done}/{len(entries)}] {'FAILED' if rc else 'ok'} {name}  (eta {eta:.0f} s)", flush=True)

    if a.log:
        with open(a.log, "w") as f:
            f.write("".join(messages))
    print(f"{len(entries) - len(failed)} of {len(entries)} files compile against {include} in {time.time() - start:.0f} s")
    for path, stderr in failed:
        errors = [line for line in stderr.splitlines() if "error" in line]
        print(f"\n{os.path.relpath(path)}:\n  " + "\n  ".join(errors[:8]))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
