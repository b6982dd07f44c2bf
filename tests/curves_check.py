#!/usr/bin/python3
"""roc_curve, pr_curve and average_precision against scikit-learn.

    /usr/bin/python3 tests/curves_check.py build/recsql.so [cases] [seed]

Generates random (score, label) cases from a seed (continuous scores, heavy
ties, one class only, a single row, NULL rows, huge and negative scores;
scikit-learn refuses infinities), runs the SQL functions and scikit-learn's roc_curve
(drop_intermediate=False), precision_recall_curve and average_precision_score
on the same values, and checks that they agree to 1e-12. Also checks the
`points` thinning against its definition (row round(j (m-1) / (points-1)) of
the full curve). Exits 1 on the first difference.

Conventions compared (docs/roc_curve.md, docs/pr_curve.md):
- roc_curve's first row has threshold +Inf; scikit-learn 1.2 uses
  max(score) + 1 (1.3 and later use +Inf), so the first threshold is
  compared by kind, the rest by value.
- pr_curve is scikit-learn's arrays reversed (threshold descending); its
  last point (precision 1, recall 0, no threshold) is our +Inf row.
- fpr without negatives and tpr without positives: NaN there, NULL here.
- pr_curve without positives: scikit-learn sets recall to 1 (with a
  warning); here recall is NULL. Precision is compared.
- average_precision without positives: scikit-learn gives 0 (warning);
  here NULL. A positive with a NULL score counts in average_precision's
  denominator (relevant, never retrieved: docs/average_precision.md), so
  the reference is scikit-learn's value on the scored rows times
  scored positives / all positives. The curves skip such rows.
"""
import math
import random
import sqlite3
import sys
import warnings

import numpy as np
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_curve

TOL = 1e-12


def close(a, b):
    if a is None or b is None or (isinstance(b, float) and math.isnan(b)):
        return (a is None) and (b is None or math.isnan(b))
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= TOL


def make_case(rng, kind):
    n = {"single": 1}.get(kind, rng.choice([2, 3, 10, 57, 300, 1000]))
    if kind == "continuous":
        scores = [rng.gauss(0, 1) for _ in range(n)]
    elif kind == "ties":
        scores = [float(rng.randrange(4)) for _ in range(n)]
    elif kind == "mixed":
        scores = [rng.choice([-1e300, -2.5, 0.0, -0.0, 1, 3.25, 1e300, rng.random()])
                  for _ in range(n)]
    else:
        scores = [round(rng.random(), 2) for _ in range(n)]
    p = rng.random()
    if kind == "allpos":
        labels = [1] * n
    elif kind == "allneg":
        labels = [0] * n
    else:
        labels = [1 if rng.random() < p else 0 for _ in range(n)]
    rows = list(zip(scores, labels))
    if kind == "nulls":
        rows += [(None, 1), (0.5, None), (None, None), (None, 0)]
        rng.shuffle(rows)
    return rows


def sk_reference(rows):
    kept = [(s, l) for s, l in rows if s is not None and l is not None]
    y = np.array([l != 0 for _, l in kept], dtype=int)
    s = np.array([x for x, _ in kept], dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fpr, tpr, thr = roc_curve(y, s, drop_intermediate=False)
        prec, rec, pthr = precision_recall_curve(y, s)
        ap = average_precision_score(y, s)
    roc = [(thr[i], fpr[i], tpr[i]) for i in range(len(thr))]
    roc[0] = (math.inf, roc[0][1], roc[0][2])
    pr = [(math.inf, prec[-1], rec[-1])] + [(pthr[i], prec[i], rec[i]) for i in range(len(pthr) - 1, -1, -1)]
    scored_pos = int(y.sum())
    all_pos = sum(1 for x, l in rows if l is not None and l != 0)
    if scored_pos == 0:
        pr = [(t, p, None) for t, p, _ in pr]
    ap = None if all_pos == 0 else (0.0 if scored_pos == 0 else ap * scored_pos / all_pos)
    return roc, pr, ap


def thin(rows, points):
    m = len(rows)
    if points is None or points >= m:
        return rows
    # exact rational rounding, half up
    return [rows[(2 * j * (m - 1) + (points - 1)) // (2 * (points - 1))] for j in range(points)]


def compare(name, got, want):
    if len(got) != len(want):
        return f"{name}: {len(got)} rows, expected {len(want)}"
    for r, (g, w) in enumerate(zip(got, want)):
        for c in range(3):
            if not close(g[c], w[c]):
                return f"{name}: row {r} column {c}: got {g[c]!r}, expected {w[c]!r}"
    return None


def main():
    lib = sys.argv[1] if len(sys.argv) > 1 else "build/recsql.so"
    cases = int(sys.argv[2]) if len(sys.argv) > 2 else 400
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 17
    rng = random.Random(seed)
    db = sqlite3.connect(":memory:")
    db.enable_load_extension(True)
    db.load_extension(lib.removesuffix(".so"))
    kinds = ["continuous", "ties", "rounded", "mixed", "allpos", "allneg", "single", "nulls"]
    checked = 0
    for c in range(cases):
        kind = kinds[c % len(kinds)]
        rows = make_case(rng, kind)
        db.execute("DROP TABLE IF EXISTS t")
        db.execute("CREATE TABLE t(s, l)")
        db.executemany("INSERT INTO t VALUES (?, ?)", rows)
        roc, pr, ap = sk_reference(rows)
        points = rng.choice([None, 2, 3, 7, 50])
        errs = [
            compare("roc_curve", db.execute("SELECT * FROM roc_curve('t', ?)", (points,)).fetchall(),
                    thin(roc, points)),
            compare("pr_curve", db.execute("SELECT * FROM pr_curve('t', ?)", (points,)).fetchall(),
                    thin(pr, points)),
        ]
        got_ap = db.execute("SELECT average_precision(s, l) FROM t").fetchone()[0]
        if not close(got_ap, ap):
            errs.append(f"average_precision: got {got_ap!r}, expected {ap!r}")
        errs = [e for e in errs if e]
        if errs:
            print(f"FAIL case {c} ({kind}, {len(rows)} rows, points={points}, seed={seed}):")
            for e in errs:
                print("  " + e)
            return 1
        checked += 1
    print(f"curves_check: {checked} cases agree with scikit-learn to {TOL:g} (seed {seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
