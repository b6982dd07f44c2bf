#!/bin/sh
# EASE (ease_train + i2i_recommend) figures, each against peers of the same
# run; prints figures, asserts nothing:
#   - exactness against numpy float64 on ml-100k (bench/ease/exact.py);
#   - quality (Recall@20 / NDCG@20, seconds) of EASE at lambda 50, 200, 500,
#     1000 and the default, Swing + i2i, ItemCF + i2i and bpr_train's default,
#     on ml-100k and on the EASE_ITEMS most popular items (default 10000) of
#     the Yelp2018 sample and Gowalla (bench/ease/quality.py; EASE_ITEMS=0:
#     every item, 5.4 and 6.7 GB matrices and an hour or more each on 2 cores);
#   - the Gram matrix: sparse accumulation against dense ssyrk (gram.py);
#   - speed and peak RSS against numpy and scipy on the same OpenBLAS
#     (bench/ease/speed.sh, EASE_ITEMS items of Gowalla).
#   bench/ease/run.sh build/recsql.so
set -e
root=$(cd "$(dirname "$0")/../.." && pwd)
lib=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
items=${EASE_ITEMS:-10000}
cd "$root"
methods="ease:50 ease:200 ease:500 ease:1000 ease:default swing itemcf bpr"
/usr/bin/python3 bench/ease/exact.py "$lib"
/usr/bin/python3 bench/ease/quality.py "$lib" ml100k 0 $methods
for d in yelp gowalla; do /usr/bin/python3 bench/ease/quality.py "$lib" $d "$items" $methods; done
/usr/bin/python3 bench/ease/gram.py "$lib" 5000
bench/ease/speed.sh "$lib" "$items"
