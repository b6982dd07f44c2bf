#!/usr/bin/env python3
"""Runs the SQL examples of docs/*.md and compares their output with the page.

    tests/run_docs.py build/recsql.so [page.md ...]

In a page, every ```sql block runs, in order, in one fresh sqlite3 shell
(`:memory:`, in a temporary directory where `data` is tests/data) with the
extension loaded, so later examples see the tables of earlier ones. When a
```text block follows a ```sql block directly, the block's output (stdout and
stderr, error lines normalized to "Error: <message>") must be exactly that
text. A block preceded by the line `<!-- no-run -->` is not run (for examples
that need data the repository does not bundle). UPDATE=1 rewrites the text
blocks with the real output.
"""
import os, re, subprocess, sys, tempfile

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
lib = os.path.splitext(os.path.abspath(sys.argv[1]))[0]
pages = sys.argv[2:] or sorted(os.path.join(root, "docs", p) for p in os.listdir(os.path.join(root, "docs")) if p.endswith(".md"))
env = dict(os.environ)
if os.environ.get("SANITIZE") == "1":  # as tests/run_sql.sh: the shell gets AddressSanitizer preloaded
    asan = subprocess.run([os.environ.get("CC", "gcc"), "-print-file-name=libasan.so"], stdout=subprocess.PIPE,
                          text=True).stdout.strip()
    env.update(LD_PRELOAD=asan, ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=99",
               LSAN_OPTIONS="suppressions=%s/tests/lsan.supp:print_suppressions=0" % root,
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
FENCE = re.compile(r"^```(\w*)\s*$")


def blocks(lines):
    """(kind, start, end, skip) of each fenced block; lines[start:end] is its body."""
    out, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if m:
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            skip = i > 0 and lines[i - 1].strip() == "<!-- no-run -->"
            out.append((m.group(1), i + 1, j, skip))
            i = j + 1
        else:
            i += 1
    return out


def normalize(text):
    text = re.sub(r"(?m)^(Parse|Runtime) error near line \d+: ", "Error: ", text)
    return re.sub(r"(?m)^Error: near line \d+: ", "Error: ", text)


failed = total = 0
for page in pages:
    lines = open(page, encoding="utf-8").read().split("\n")
    bl = blocks(lines)
    runs = []  # (sql block index, expected text block index or None)
    for k, (kind, s, e, skip) in enumerate(bl):
        if kind == "sql" and not skip:
            nxt = bl[k + 1] if k + 1 < len(bl) else None
            follows = nxt and nxt[0] == "text" and nxt[1] - 1 == e + 1
            runs.append((k, k + 1 if follows else None))
    if not runs:
        continue
    script = [".bail off", ".mode list", ".headers off"]
    for n, (k, _) in enumerate(runs):
        script.append(".print @@block %d" % n)
        script.extend(lines[bl[k][1]:bl[k][2]])
    script.append(".print @@block end")
    with tempfile.TemporaryDirectory() as tmp:
        os.symlink(os.path.join(root, "tests", "data"), os.path.join(tmp, "data"))
        p = subprocess.run(["sqlite3", "-batch", ":memory:", "-cmd", ".load " + lib], input="\n".join(script) + "\n",
                           cwd=tmp, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode not in (0, 1):
        print("FAIL %s: the shell exited with %d" % (os.path.relpath(page, root), p.returncode))
        failed += 1
    parts = re.split(r"(?m)^@@block (\d+|end)\n", normalize(p.stdout))
    outputs = {}
    for j in range(1, len(parts) - 1, 2):
        if parts[j] != "end":
            outputs[int(parts[j])] = parts[j + 1]
    page_ok = True
    replacements = []
    for n, (k, t) in enumerate(runs):
        total += 1
        got = outputs.get(n, "<no output: the shell stopped>\n")
        if t is None:
            if got.strip().startswith("Error") or "\nError" in got:
                print("FAIL %s: block at line %d fails:\n%s" % (os.path.relpath(page, root), bl[k][1], got))
                page_ok = False
                failed += 1
            continue
        want = "\n".join(lines[bl[t][1]:bl[t][2]]) + "\n"
        if got != want:
            if os.environ.get("UPDATE") == "1":
                replacements.append((bl[t][1], bl[t][2], got.rstrip("\n").split("\n")))
            else:
                print("FAIL %s: block at line %d\n--- page\n%s--- real\n%s" % (os.path.relpath(page, root), bl[k][1], want, got))
                page_ok = False
                failed += 1
    if replacements:
        for s, e, new in reversed(replacements):
            lines[s:e] = new
        open(page, "w", encoding="utf-8").write("\n".join(lines))
        print("updated %s" % os.path.relpath(page, root))
    elif page_ok:
        print("ok   %s" % os.path.relpath(page, root))
print("doc examples: %d of %d as printed" % (total - failed, total))
sys.exit(1 if failed else 0)
