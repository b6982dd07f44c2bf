#!/bin/sh
# Pictures from SQL query output: a training curve (final loss and Recall@20
# against epochs), and the ROC and precision-recall curves of the test split
# (roc_curve, pr_curve), on the bundled Gowalla sample, rendered to PNG with
# gnuplot.
#   examples/plots.sh build/recsql.so [outdir]     (default outdir: build/plots)
# Each training-curve point is a model trained for that many epochs (seed 1,
# one thread), evaluated on the test split.
set -e
root=$(cd "$(dirname "$0")/.." && pwd)
lib=$(cd "$(dirname "$1")" && pwd)/$(basename "$1" .so)
out=${2:-$root/build/plots}
command -v gnuplot > /dev/null || { echo "plots: needs gnuplot (apt-get install gnuplot-nox)"; exit 1; }
mkdir -p "$out"
db="$out/plots.db"
rm -f "$db"
cd "$root"
sq() { sqlite3 -batch "$db" -cmd ".load $lib" "$@"; }
sq <<'SQL'
.bail on
CREATE TABLE train_lines(line TEXT);
CREATE TABLE test_lines(line TEXT);
.import --csv tests/data/gowalla_sample/train.txt train_lines
.import --csv tests/data/gowalla_sample/test.txt test_lines
.read sql/load_adjacency.sql
CREATE TABLE curve(epochs INTEGER, loss REAL, recall REAL);
SQL
for e in 1 2 5 10 20 40 60 80 100; do
  loss=$(sq "SELECT json_extract(bpr_train('train', 'm', '{\"epochs\": $e, \"threads\": 1, \"seed\": 1}'), '\$.final_loss')")
  sq <<SQL
.bail on
CREATE TEMP TABLE rec AS SELECT * FROM recommend('m_users', 'm_items', 20, 'train');
INSERT INTO curve SELECT $e, $loss, avg(r) FROM (
  SELECT coalesce(rec.user, t.user) AS u, recall_at_k(rec.score, t.item IS NOT NULL, 20) AS r
  FROM rec FULL JOIN test t ON rec.user = t.user AND rec.item = t.item GROUP BY u);
SQL
done
sq -separator ' ' "SELECT epochs, loss, recall FROM curve ORDER BY epochs" > "$out/curve.dat"
# ROC and PR: each test interaction (label 1) against one item the user has in
# neither split (label 0), scored by the 100-epoch model.
sq <<'SQL'
.bail on
CREATE TABLE scored AS
  SELECT embed_dot(u.emb, i.emb) + i.bias AS s, n.label AS l
  FROM (SELECT user, pos_item AS item, 1 AS label, pos_item FROM neg_samples('SELECT user, item FROM train UNION ALL SELECT user, item FROM test', 1, 'uniform', 7)
        UNION ALL
        SELECT user, neg_item, 0, pos_item FROM neg_samples('SELECT user, item FROM train UNION ALL SELECT user, item FROM test', 1, 'uniform', 7)) n
  JOIN test t ON t.user = n.user AND t.item = n.pos_item
  JOIN m_users u ON u.id = n.user JOIN m_items i ON i.id = n.item;
SQL
# the curves as rows, thinned to about 500 points each
sq -separator ' ' "SELECT fpr, tpr FROM roc_curve('scored', 500)" > "$out/roc.dat"
sq -separator ' ' "SELECT recall, precision FROM pr_curve('scored', 500)" > "$out/pr.dat"
auc=$(sq "SELECT printf('%.4f', auc(s, l)) FROM scored")
ap=$(sq "SELECT printf('%.4f', average_precision(s, l)) FROM scored")
base=$(sq "SELECT printf('%.4f', avg(l != 0)) FROM scored")
gnuplot <<EOF2
set terminal pngcairo size 800,500 noenhanced
set output "$out/training_curve.png"
set title "bpr_train on the Gowalla sample: final loss and Recall@20 against epochs"
set xlabel "epochs"; set ylabel "final BPR loss"; set y2label "Recall@20"
set ytics nomirror; set y2tics; set key center right; set grid
plot "$out/curve.dat" using 1:2 with linespoints title "loss", "" using 1:3 axes x1y2 with linespoints title "Recall@20"
set output "$out/roc.png"
set title "ROC of the test split (AUC $auc)"
set xlabel "false positive rate"; set ylabel "true positive rate"; unset y2label; unset y2tics; set ytics mirror
set size square; set key bottom right
plot "$out/roc.dat" using 1:2 with lines title "bpr_train", x with lines dashtype 2 title "chance"
set output "$out/pr.png"
set title "Precision-recall of the test split (average precision $ap)"
set xlabel "recall"; set ylabel "precision"; set key bottom left; set yrange [0:1.05]
plot "$out/pr.dat" using 1:2 with lines title "bpr_train", $base with lines dashtype 2 title "chance (share of positives)"
EOF2
echo "training curve: $out/training_curve.png ($(wc -l < "$out/curve.dat") points)"
echo "ROC curve:      $out/roc.png (AUC $auc, $(wc -l < "$out/roc.dat") points)"
echo "PR curve:       $out/pr.png (AP $ap, $(wc -l < "$out/pr.dat") points)"
