#!/usr/bin/python3
"""An independent reference of knn_index's affine int8 codes (src/quant.h,
storage formats 3 and 4), written from the description in quant.h: for steps
(max - min) / 255 * f, f in 16 values evenly from 1 to 1.1, and for each f > 1
four offsets lo = min - range * (f - 1) * t / 3 (t = 0..3; one for f = 1),
codes k = clip(floor((x - lo) / step + 0.5), 0, 255), then (lo, step) refitted
to the codes by least squares (kept when the fitted step is positive), cast
to float32, and the squared error of x against lo + step * k; the trial with
the smallest error wins (a later trial must beat it by more than
range^2 / 255^2 * dim * 1e-6). Format 4 codes each block of 32 values that
way (the last block may be shorter) and stores the codes, then lo and step
of each block as float32 little-endian. Prints the codes, lo and step of the vectors
that tests/unit/test_quant.c and tests/sql/knn_quant.sql check:

  /usr/bin/python3 tests/data/q8_affine.py
"""
import numpy as np


def encode(x):
    x = np.asarray(x, dtype=np.float32).astype(np.float64)
    mn, mx = float(x.min()), float(x.max())
    rng = mx - mn
    if not rng > 0:
        return [0] * len(x), np.float32(mn), np.float32(0)
    tol = rng * rng / (255.0 * 255.0) * len(x) * 1e-6
    best = (np.inf, None, None, None)
    for fi in range(16):
        f = 1.0 + 0.1 * fi / 15
        for ti in range(4 if fi else 1):
            lo = mn - rng * (f - 1.0) * ti / 3
            s = rng * f / 255.0
            k = np.clip(np.floor((x - lo) * (1.0 / s) + 0.5), 0, 255)
            n, su, suu, sx, sux = len(x), k.sum(), (k * k).sum(), x.sum(), (k * x).sum()
            det = n * suu - su * su
            if det > 0:
                s2 = (n * sux - su * sx) / det
                if s2 > 0:
                    s, lo = s2, (sx - s2 * su) / n
            flo, fs = np.float32(lo), np.float32(s)
            e = ((x - (np.float64(flo) + np.float64(fs) * k)) ** 2).sum()
            if e < best[0] - tol:
                best = (e, [int(v) for v in k], flo, fs)
    return best[1], best[2], best[3]


def show(name, x):
    k, lo, s = encode(x)
    print(f"{name}: codes {k}")
    print(f"  lo {float(lo):.9g} ({np.float32(lo).view(np.uint32):08X}), step {float(s):.9g} ({np.float32(s).view(np.uint32):08X})")


def blocks(x, block=32):
    """format 4's stored value: the codes, then (lo, step) of each block"""
    x = np.asarray(x, dtype=np.float32)
    codes, tail, dec = [], b"", []
    for o in range(0, len(x), block):
        k, lo, s = encode(x[o:o + block])
        codes += k
        tail += np.array([lo, s], dtype="<f4").tobytes()
        dec += [np.float32(lo) + np.float32(s) * np.float32(c) for c in k]
    return bytes(codes) + tail, np.array(dec, dtype=np.float32)


def show_blocks(name, x):
    blob, dec = blocks(x)
    x32 = np.asarray(x, dtype=np.float32)
    print(f"{name} (format 4, {len(x)} values as " + "[" + ", ".join(f"{v:.9g}" for v in x32) + "]):")
    print(f"  stored {blob.hex().upper()} ({len(blob)} bytes)")
    print(f"  ip distance from e1: {-float(dec[0]):.6f}, from the vector itself: {-float(np.dot(dec.astype(np.float64), x32.astype(np.float64))):.6f}")


show("v8", [1, -0.5, 0.25, 0.3, -0.7, 0.05, 0.9, -0.33])
show("v20", [np.sin(1.7 * i + 0.3) * (1 + i % 3) for i in range(20)])
show("[2, -1, 0.5]", [2, -1, 0.5])
show("[3, 4, 0]", [3, 4, 0])
show("[0.6, 0.8, 0]", [0.6, 0.8, 0])
show("[2, 2, 2]", [2, 2, 2])
show_blocks("v40", [np.sin(1.3 * i + 0.7) * (1 + i % 4) for i in range(40)])
