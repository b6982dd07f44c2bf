#!/usr/bin/env python3
"""Makes the bundled Gowalla sample in tests/data/gowalla_sample from the full
split (../shared/data/gowalla, the LightGCN authors' train/test files).

Keeps every user whose id is a multiple of STEP, with all of their train and
test items (ids unchanged), so the sample keeps the split's protocol: no pair is
in both files and every sampled user has test items.

    python3 scripts/make_sample.py [SRC_DIR] [DST_DIR] [STEP]
"""
import os
import sys

src = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/gowalla"
dst = sys.argv[2] if len(sys.argv) > 2 else "tests/data/gowalla_sample"
step = int(sys.argv[3]) if len(sys.argv) > 3 else 20

os.makedirs(dst, exist_ok=True)
for name in ("train.txt", "test.txt"):
    with open(os.path.join(src, name)) as f, open(os.path.join(dst, name), "w") as out:
        for line in f:
            parts = line.split()
            if parts and int(parts[0]) % step == 0:
                out.write(" ".join(parts) + "\n")
print("sample written to", dst)
