#!/usr/bin/env python3
"""Size limits of the source tree (docs/architecture.md, "Size limits").

Usage: check_sizes.py [--root DIR] [--file-limit N] [--function-limit N] [--list]

Fails (exit 1, one line per finding: path:line: what, by how much, what to do) when
  - a .cpp or .h file has more than --file-limit lines (500) and none of its first 15 lines
    holds the marker "Why this file is long:" followed by a reason;
  - a function defined in a .cpp or .h under ceremony/ or station-agent/ (the ceremony and
    station flows, their CLIs and consoles) spans more than --function-limit lines (80).
The files are those git tracks under --root (the repository by default); without a git work
tree (an exported source tree, the test's fixture tree) every .cpp and .h below --root.
--list prints every function of the flow folders with its length instead, longest first.

How a function is found (a scanner, not a compiler: fast, no build, no include paths):
  1. Comments, string and character literals (raw strings too) and preprocessor lines are
     blanked; line breaks are kept, so line numbers stay those of the file.
  2. Braces are matched. A brace opened where only namespaces, classes, structs, unions,
     enums and extern blocks enclose it (a "container" level) is
       - a container itself when the text before it (since the last ';', '{' or '}' of that
         level) starts with namespace/class/struct/union/enum/extern (after a template<>);
       - a function body when that text holds a '(' and the brace follows ')', '}' (the end
         of a constructor's last member initializer), a trailing return type ('->' in the
         text) or one of const/noexcept/override/final/mutable/try;
       - otherwise an initializer (a member initializer "a_{x}" of a constructor, a
         namespace-level "kTable = {...}" or "Foo kFoo{...}"), skipped whole.
  3. A function's length is the count of lines from the first line of its declaration (the
     first non-blank line of that text, an access specifier dropped) to the line of its
     closing brace, both included. Lambdas and local classes count as part of the function
     that holds them; a lambda at namespace level ("auto kF = [] {...};") is not checked.
"""
import argparse
import os
import re
import subprocess
import sys

FILE_MARKER = "Why this file is long:"
MARKER_LINES = 15
FLOW_DIRS = ("ceremony/", "station-agent/")
EXTENSIONS = (".cpp", ".h")
CONTAINER_RE = re.compile(
    r"^(?:template\s*<.*>\s*)?(?:namespace|class|struct|union|enum|extern)\b", re.S)
ACCESS_RE = re.compile(r"^\s*(?:public|private|protected|signals|Q_SIGNALS|(?:public|private|protected)\s+(?:slots|Q_SLOTS))\s*:", re.M)
BODY_KEYWORDS = ("const", "noexcept", "override", "final", "mutable", "try")


def blank(text):
    """Comments, literals and preprocessor lines replaced by spaces; newlines kept."""
    out = []
    i, n = 0, len(text)
    line_start = True
    while i < n:
        c = text[i]
        if line_start and c == "#":
            # A preprocessor line, with its backslash continuations.
            while i < n and text[i] != "\n":
                if text[i] == "\\" and i + 1 < n and text[i + 1] == "\n":
                    out.append(" \n")
                    i += 2
                    continue
                out.append(" ")
                i += 1
            continue
        if c == "\n":
            out.append(c)
            line_start = True
            i += 1
            continue
        if c in " \t":
            out.append(c)
            i += 1
            continue
        line_start = False
        if text.startswith("//", i):
            while i < n and text[i] != "\n":
                out.append(" ")
                i += 1
            continue
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(re.sub(r"[^\n]", " ", text[i:end]))
            i = end
            continue
        raw = re.match(r'(?:u8|u|U|L)?R"([^()\\ ]{0,16})\(', text[i:i + 40])
        if raw and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            close = ")" + raw.group(1) + '"'
            end = text.find(close, i + raw.end())
            end = n if end < 0 else end + len(close)
            out.append('"' + re.sub(r"[^\n]", " ", text[i + 1:end - 1]) + '"')
            i = end
            continue
        if c in "\"'":
            # A digit separator (1'000) is not a character literal.
            if c == "'" and i > 0 and text[i - 1].isalnum() and i + 1 < n and text[i + 1].isalnum():
                out.append(" ")
                i += 1
                continue
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(c + " " * (j - i - 2) + c if j - i >= 2 else c)
            i = j
            continue
        out.append(c)
        i += 1
    return "".join(out)


def paren_depth0(header):
    """The header with everything inside parentheses or angle-free brackets dropped."""
    depth, kept = 0, []
    for ch in header:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif depth == 0:
            kept.append(ch)
    return "".join(kept)


def classify(header):
    """'container', 'function' or 'init' for a brace opened at container level."""
    stripped = ACCESS_RE.sub(" ", header).strip()
    if CONTAINER_RE.match(stripped):
        return "container"
    if "(" not in stripped:
        return "init"
    top = paren_depth0(stripped)
    if "=" in top.replace("==", "").replace("!=", "") and "operator" not in stripped:
        return "init"
    tail = stripped.rstrip()
    if tail.endswith(")") or tail.endswith("}"):
        return "function"
    last_word = re.search(r"(\w+)\s*$", tail)
    if last_word and last_word.group(1) in BODY_KEYWORDS:
        return "function"
    if "->" in top and not re.search(r"\)\s*:[^:]", stripped):
        return "function"
    return "init"


def functions(text):
    """(name, first line, last line) of every function defined at container level."""
    code = blank(text)
    found = []
    stack = []  # kinds of the open braces
    header_start = 0  # offset where the current container-level declaration began
    i, n = 0, len(code)
    while i < n:
        c = code[i]
        at_container = all(kind == "container" for kind in stack)
        if c == "{" and at_container:
            header = code[header_start:i]
            kind = classify(header)
            if kind == "container":
                stack.append(kind)
                header_start = i + 1
            else:
                end = match_brace(code, i)
                if kind == "function":
                    first = first_line(code, header_start, header)
                    name = function_name(header)
                    found.append((name, first, code.count("\n", 0, end) + 1))
                    header_start = end + 1
                i = end + 1
                continue
        elif c == "}" and at_container:
            if stack:
                stack.pop()
            header_start = i + 1
        elif c == ";" and at_container:
            header_start = i + 1
        i += 1
    return found


def match_brace(code, i):
    depth = 0
    for j in range(i, len(code)):
        if code[j] == "{":
            depth += 1
        elif code[j] == "}":
            depth -= 1
            if depth == 0:
                return j
    return len(code) - 1


def first_line(code, start, header):
    skip = 0
    m = ACCESS_RE.match(header)
    if m:
        skip = m.end()
    body = header[skip:]
    lead = len(body) - len(body.lstrip())
    return code.count("\n", 0, start + skip + lead) + 1


def function_name(header):
    top = ACCESS_RE.sub(" ", header)
    m = re.search(r"([~\w:]+(?:operator\s*\S+?)?)\s*\(", top)
    return m.group(1) if m else "?"


def tracked_files(root):
    try:
        out = subprocess.run(["git", "-C", root, "ls-files", "-z", "--", "*.cpp", "*.h"],
                             check=True, capture_output=True).stdout
        if out or os.path.isdir(os.path.join(root, ".git")):
            return sorted(p for p in out.decode().split("\0") if p)
    except (OSError, subprocess.CalledProcessError):
        pass
    files = []
    for base, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".") and not d.startswith("build")]
        for name in names:
            if name.endswith(EXTENSIONS):
                files.append(os.path.relpath(os.path.join(base, name), root))
    return sorted(files)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=os.path.join(os.path.dirname(__file__), ".."))
    parser.add_argument("--file-limit", type=int, default=500)
    parser.add_argument("--function-limit", type=int, default=80)
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args()
    root = os.path.abspath(args.root)

    problems, listing = [], []
    for rel in tracked_files(root):
        path = os.path.join(root, rel)
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
        except FileNotFoundError:
            continue  # deleted in the work tree, not yet committed
        lines = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
        if lines > args.file_limit:
            head = text.split("\n", MARKER_LINES)[:MARKER_LINES]
            reason = [l.split(FILE_MARKER, 1)[1].strip() for l in head if FILE_MARKER in l]
            if not reason or not reason[0]:
                problems.append(
                    f"{rel}:1: {lines} lines, over the {args.file_limit}-line limit by "
                    f"{lines - args.file_limit}: split it along a seam, or state in its first "
                    f"{MARKER_LINES} lines \"{FILE_MARKER} <reason>\"")
        if rel.replace(os.sep, "/").startswith(FLOW_DIRS):
            for name, first, last in functions(text):
                length = last - first + 1
                listing.append((length, rel, first, name))
                if length > args.function_limit:
                    problems.append(
                        f"{rel}:{first}: function {name} spans {length} lines (lines {first}-"
                        f"{last}), over the {args.function_limit}-line limit of the ceremony "
                        f"and station flows by {length - args.function_limit}: split it into "
                        f"named steps")
    if args.list:
        for length, rel, first, name in sorted(listing, reverse=True):
            print(f"{length:5d} {rel}:{first} {name}")
        return 0
    for p in problems:
        print(p)
    if problems:
        print(f"check_sizes: {len(problems)} over a limit (scripts/check_sizes.py)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # --list into `head`
        sys.exit(0)
