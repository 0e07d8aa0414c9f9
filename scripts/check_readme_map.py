#!/usr/bin/env python3
"""The README's "Where things are" table against the tree.

Usage: check_readme_map.py [--root DIR]

Fails (exit 1, one line per finding, naming the row or the folder and what to do) when
  - a path the table's first column names (`verifier/`, `Makefile`, `.ci/`, ...) does not exist;
  - a path in a row's description that reads as one (it holds a '/' or ends in .sh, .py,
    .cmake or .md) exists neither under the repository nor under the row's folder;
  - a top-level folder of the repository has no row.
The folders are those git tracks a file in (the repository by default); without a git work
tree, every folder under --root but hidden ones and build trees (a CMakeCache.txt at their top).
"""
import argparse
import os
import re
import subprocess
import sys

HEADING = "## Where things are"
PATHLIKE = re.compile(r"/|\.(sh|py|cmake|md)$")


def table_rows(readme):
    rows, inside = [], False
    for number, line in enumerate(readme.splitlines(), 1):
        if line.startswith("## "):
            inside = line.strip() == HEADING
            continue
        if inside and line.startswith("|") and not line.startswith("|---"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) >= 2 and cells[0] != "folder":
                rows.append((number, cells[0], cells[1]))
    return rows


def top_folders(root):
    try:
        out = subprocess.run(["git", "-C", root, "ls-files"], check=True, capture_output=True,
                             text=True).stdout
        if out:
            return sorted({p.split("/", 1)[0] for p in out.splitlines() if "/" in p})
    except (OSError, subprocess.CalledProcessError):
        pass
    return sorted(e for e in os.listdir(root)
                  if os.path.isdir(os.path.join(root, e)) and not e.startswith(".")
                  and not os.path.exists(os.path.join(root, e, "CMakeCache.txt")))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=os.path.join(os.path.dirname(__file__), ".."))
    args = parser.parse_args()
    root = os.path.abspath(args.root)
    with open(os.path.join(root, "README.md"), encoding="utf-8") as f:
        rows = table_rows(f.read())
    findings = []
    if not rows:
        findings.append(f"README.md: no table under '{HEADING}'")
    covered = set()
    for number, first, what in rows:
        paths = re.findall(r"`([^`]+)`", first)
        if not paths:
            findings.append(f"README.md:{number}: the row names no path in its first column")
        for path in paths:
            covered.add(path.rstrip("/").split("/", 1)[0])
            if not os.path.exists(os.path.join(root, path)):
                findings.append(f"README.md:{number}: `{path}` does not exist: fix or remove the row")
        for token in re.findall(r"`([^`\s]+)`", what):
            if not PATHLIKE.search(token) or token.startswith(("-", "http")):
                continue
            bases = [root] + [os.path.join(root, p) for p in paths]
            if not any(os.path.exists(os.path.join(b, token)) for b in bases):
                findings.append(f"README.md:{number}: `{token}` (in the row of {first}) exists "
                                "neither in the repository nor in the row's folder")
    for folder in top_folders(root):
        if folder not in covered:
            findings.append(f"README.md: the folder `{folder}/` has no row in '{HEADING}': add one")
    for finding in findings:
        print(finding)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
