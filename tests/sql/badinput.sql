-- The bad-input matrix: every object x {NULL, wrong type, wrong dimension,
-- NaN/Inf, empty blob, empty source, missing table, identifiers with quotes
-- and spaces, negative/zero/huge k, unknown and misspelt options, duplicate
-- ids, mixed INTEGER and TEXT ids}. Each case gives a clear error or the
-- documented result. After each object's errors the database is compared
-- with a .dump taken at the start: it must be byte for byte the same, with
-- no transaction left open (BEGIN would fail inside one).
-- Float32 bit patterns: x'0000c07f' NaN, x'0000807f' +Inf, x'000080ff' -Inf,
-- x'0000803f' 1.0. In SQLite a REAL NaN is NULL; 1e999 is +Inf.
.mode list
.nullvalue NULL
CREATE TABLE t(user, item);
INSERT INTO t VALUES (1, 'a'), (1, 'b'), (2, 'b'), (2, 'c'), ('1', 'c'), (3, 'a'), (3, 'd');
CREATE TABLE "odd ""name"" t"(u, i);
INSERT INTO "odd ""name"" t" VALUES (1, 'a'), (2, 'b');
CREATE TABLE empty(user, item);
CREATE TABLE ev(g, e, s, l);
INSERT INTO ev VALUES (1, '[1,0]', 0.9, 1), (1, '[0,1]', 0.2, 0), (1, '[1,1]', 0.5, 1), (2, '[2,2]', 0.3, 0), (2, '[4,0]', 0.8, 1);
CREATE TABLE us(id, emb);
INSERT INTO us VALUES (1, '[1,0]'), ('1', '[0,1]'), (2, '[1,1]');
CREATE TABLE it(id, emb, bias);
INSERT INTO it VALUES ('a', '[1,0]', 0), ('b', '[0,1]', 0), ('c', '[1,1]', 0.5), ('d', '[-1,0]', NULL);
-- an old model that failed trainings must leave alone
CREATE TABLE m_users(id PRIMARY KEY, emb BLOB);
INSERT INTO m_users VALUES (1, x'0000803f');
CREATE TABLE m_items(id PRIMARY KEY, emb BLOB, bias REAL);
INSERT INTO m_items VALUES ('a', x'0000803f', 0.5);
-- swing_sim / itemcf_sim: the hand case of docs/swing_sim.md
CREATE TABLE sw(user, item);
INSERT INTO sw VALUES ('u1','a'),('u1','b'),('u1','c'),('u2','a'),('u2','b'),('u2','c'),('u2','d'),('u3','a'),('u3','b'),('u3','d');
.output dump0.sql
.dump
.output stdout

.print "== embed functions: NULL gives NULL"
SELECT embed(NULL), embed_json(NULL), embed_dim(NULL), embed_norm(NULL), embed_normalize(NULL);
SELECT embed_dot(NULL, '[1]'), embed_cosine('[1]', NULL), embed_l2(NULL, NULL);
.print "== embed functions: wrong type"
SELECT embed(1);
SELECT embed_json(1.5);
SELECT embed_dim('not json');
SELECT embed_dot('[1,2]', 3);
SELECT embed_cosine(x'0000803f', 'abc');
SELECT embed_l2('{"a": 1}', '[1]');
SELECT embed_norm('[1, "x"]');
SELECT embed_normalize('[1, 2');
SELECT embed('[true]');
.print "== embed functions: wrong dimension (BLOB length, mismatched pair)"
SELECT embed(x'000080');
SELECT embed_dot('[1,2]', '[1,2,3]');
SELECT embed_cosine(x'0000803f0000803f', '[1]');
SELECT embed_l2('[1,2,3]', x'0000803f');
.print "== embed functions: NaN / Inf"
SELECT embed(x'0000c07f');
SELECT embed_norm(x'0000803f0000807f');
SELECT embed_dot('[1,2]', x'0000803f000080ff');
SELECT embed('[1e39]');
SELECT embed('[NaN]');
SELECT embed('[Infinity]');
.print "== embed functions: empty blob, empty text, empty array"
SELECT embed(x'');
SELECT embed_dim('');
SELECT embed_json('[]');
SELECT embed_dot(x'', x'');
.print "== embed functions: huge values stay finite when they fit float32"
SELECT embed_json('[3.4e38, -3.4e38, 1e-45]'), embed_norm('[3e38, 3e38]') > 1e38;
.print "== embed_avg: NULL rows skipped, all NULL gives NULL, empty group gives NULL"
SELECT embed_json(embed_avg(e)) FROM (SELECT '[1,2]' e UNION ALL SELECT NULL UNION ALL SELECT '[3,4]');
SELECT embed_avg(e) FROM (SELECT NULL e);
SELECT embed_avg(e) FROM ev WHERE 0;
.print "== embed_avg: wrong type, wrong dimension, NaN, empty blob"
SELECT embed_avg(e) FROM (SELECT '[1,2]' e UNION ALL SELECT 7);
SELECT embed_avg(e) FROM (SELECT '[1,2]' e UNION ALL SELECT '[1,2,3]');
SELECT embed_avg(e) FROM (SELECT '[1,2]' e UNION ALL SELECT x'0000c07f0000803f');
SELECT embed_avg(e) FROM (SELECT x'' e);
.output dump1.sql
.dump
.output stdout
.shell cmp -s dump0.sql dump1.sql && echo "database unchanged after embed errors" || echo "DATABASE CHANGED after embed errors"

.print "== metrics: NULL label or score skipped; group without positives or negatives gives NULL"
SELECT auc(s, l) FROM (SELECT 0.5 s, NULL l UNION ALL SELECT NULL, 1 UNION ALL SELECT 0.9, 1 UNION ALL SELECT 0.1, 0);
SELECT auc(s, l), gauc(g, s, l), recall_at_k(s, l, 2), mrr(s, l) FROM (SELECT 1 g, 0.5 s, 0 l);
SELECT auc(s, l), gauc(g, s, l), recall_at_k(s, l, 3), precision_at_k(s, l, 3), hit_rate_at_k(s, l, 3), ndcg_at_k(s, l, 3), mrr(s, l) FROM ev WHERE 0;
SELECT gauc(g, s, l) FROM (SELECT NULL g, 0.5 s, 1 l UNION ALL SELECT NULL, 0.1, 0);
.print "== metrics: wrong type"
SELECT auc(s, l) FROM (SELECT 'high' s, 1 l);
SELECT auc(s, l) FROM (SELECT 0.5 s, x'01' l);
SELECT gauc(g, s, l) FROM (SELECT x'01' g, 0.5 s, 1 l);
SELECT gauc(g, s, l) FROM (SELECT 1.5 g, 0.5 s, 1 l);
SELECT ndcg_at_k(s, l, 2) FROM (SELECT '0.5' s, 1 l);
SELECT mrr(s, l) FROM (SELECT 0.5 s, 'yes' l);
.print "== metrics: NaN / Inf scores (NaN is NULL in SQLite: the row is skipped; Inf ranks first or last)"
SELECT auc(s, l) FROM (SELECT 0.0 / 0.0 s, 1 l UNION ALL SELECT 0.1, 0 UNION ALL SELECT 0.2, 1);
SELECT auc(s, l), mrr(s, l) FROM (SELECT 1e999 s, 1 l UNION ALL SELECT -1e999, 0 UNION ALL SELECT 0.5, 0);
SELECT auc(s, l), recall_at_k(s, l, 1) FROM (SELECT -1e999 s, 1 l UNION ALL SELECT 1e999, 0);
.print "== metrics: negative, zero, huge, fractional, text and NULL k"
SELECT recall_at_k(s, l, -1) FROM ev;
SELECT precision_at_k(s, l, 0) FROM ev;
SELECT hit_rate_at_k(s, l, 1.5) FROM ev;
SELECT ndcg_at_k(s, l, '3') FROM ev;
SELECT recall_at_k(s, l, NULL) FROM ev;
SELECT recall_at_k(s, l, 1e300) FROM ev;
SELECT recall_at_k(s, l, 9223372036854775807), hit_rate_at_k(s, l, 9223372036854775807), ndcg_at_k(s, l, 9223372036854775807) FROM ev;
SELECT precision_at_k(s, l, 9223372036854775807) > 0, precision_at_k(s, l, 9223372036854775807) < 1e-17 FROM ev;
SELECT recall_at_k(s, l, 3.0) FROM ev;
SELECT recall_at_k(s, l, g) FROM ev;
.print "== metrics: mixed INTEGER and TEXT group ids are different groups; duplicate rows all count"
-- (groups 1 and '1' have AUC 1 and 0: 0.5 when apart, 0.75 if they were merged)
SELECT gauc(g, s, l) FROM (SELECT 1 g, 0.9 s, 1 l UNION ALL SELECT 1, 0.1, 0 UNION ALL SELECT '1', 0.2, 1 UNION ALL SELECT '1', 0.3, 0);
SELECT recall_at_k(s, l, 1), precision_at_k(s, l, 2) FROM (SELECT 0.9 s, 1 l UNION ALL SELECT 0.9, 1 UNION ALL SELECT 0.5, 0);
.print "== metrics: as a window function (not supported)"
SELECT auc(s, l) OVER () FROM ev;
.output dump1.sql
.dump
.output stdout
.shell cmp -s dump0.sql dump1.sql && echo "database unchanged after metric errors" || echo "DATABASE CHANGED after metric errors"

.print "== neg_samples: NULL and wrong-type arguments"
SELECT * FROM neg_samples(NULL);
SELECT * FROM neg_samples(42);
SELECT * FROM neg_samples(x'74');
SELECT * FROM neg_samples;
SELECT * FROM neg_samples('t', 'two');
SELECT * FROM neg_samples('t', x'02');
SELECT * FROM neg_samples('t', 1, 7);
SELECT * FROM neg_samples('t', 1, 'uniform', 'seed');
SELECT * FROM neg_samples('t', 1, 'uniform', 1.5);
SELECT * FROM neg_samples('t', 1, 'exposure', 0, NULL, 5);
.print "== neg_samples: NULL optional arguments are their defaults"
SELECT count(*) FROM neg_samples('t', NULL, NULL, NULL, NULL, NULL);
.print "== neg_samples: negative, zero, huge n_neg; NaN/Inf power"
SELECT * FROM neg_samples('t', -1);
SELECT * FROM neg_samples('t', 0);
SELECT * FROM neg_samples('t', 4294967296);
SELECT * FROM neg_samples('t', 1e300);
SELECT count(*) FROM (SELECT * FROM neg_samples('t', 4294967295) LIMIT 5);
SELECT * FROM neg_samples WHERE source = 't' AND power = 1e999;
SELECT * FROM neg_samples WHERE source = 't' AND power = -1e999;
SELECT count(*) FROM neg_samples WHERE source = 't' AND strategy = 'popularity' AND power = 0.0 / 0.0;
SELECT * FROM neg_samples WHERE source = 't' AND power = 'high';
.print "== neg_samples: unknown and misspelt strategies"
SELECT * FROM neg_samples('t', 1, 'unifrom');
SELECT * FROM neg_samples('t', 1, 'Uniform');
SELECT * FROM neg_samples('t', 1, '');
SELECT * FROM neg_samples('t', 1, 'exposure');
SELECT * FROM neg_samples('t', 1, 'uniform', 0, NULL, 'empty');
.print "== neg_samples: empty source, missing table, bad SELECT, identifiers with quotes and spaces"
SELECT count(*) FROM neg_samples('empty', 3);
SELECT count(*) FROM neg_samples('SELECT 1, 2 WHERE 0');
SELECT * FROM neg_samples('');
SELECT * FROM neg_samples('nosuch');
SELECT * FROM neg_samples('no such table');
SELECT * FROM neg_samples('SELECT user FROM t');
SELECT * FROM neg_samples('SELECT * FROM nosuch');
SELECT * FROM neg_samples('SELECT 1, 2; DROP TABLE t');
SELECT * FROM neg_samples('t"; DROP TABLE t; --');
SELECT count(*) FROM neg_samples('odd "name" t', 1);
SELECT * FROM neg_samples('odd "name" t ');
SELECT * FROM neg_samples('t', 1, 'exposure', 0, NULL, 'nosuch');
.print "== neg_samples: ids: REAL and BLOB are errors, NULL rows skipped, duplicates count once, 1 and '1' are different users"
SELECT * FROM neg_samples('SELECT 1.5, 2');
SELECT * FROM neg_samples('SELECT 1, x''02''');
SELECT count(*) FROM neg_samples('SELECT NULL, 1 UNION ALL SELECT 1, NULL UNION ALL SELECT 1, 2 UNION ALL SELECT 2, 3', 2);
SELECT count(*) FROM neg_samples('SELECT 1, 2 UNION ALL SELECT 1, 2 UNION ALL SELECT 1, 2 UNION ALL SELECT 2, 3', 2);
SELECT user, typeof(user), count(*) FROM neg_samples('SELECT 1, ''a'' UNION ALL SELECT ''1'', ''b'' UNION ALL SELECT 2, ''c''', 2, 'uniform', 1) GROUP BY user, typeof(user) ORDER BY typeof(user), user;
SELECT DISTINCT user, neg_item FROM neg_samples('SELECT 1, 1 UNION ALL SELECT 1, ''1'' UNION ALL SELECT 2, 2', 20, 'uniform', 3) WHERE user = 1;
.output dump1.sql
.dump
.output stdout
.shell cmp -s dump0.sql dump1.sql && echo "database unchanged after neg_samples errors" || echo "DATABASE CHANGED after neg_samples errors"

.print "== bpr_train: NULL and wrong-type arguments"
SELECT bpr_train(NULL, 'm', '{}');
SELECT bpr_train(1, 'm', '{}');
SELECT bpr_train('t', NULL, '{}');
SELECT bpr_train('t', 7, '{}');
SELECT bpr_train('t', '', '{}');
SELECT bpr_train('t', 'm', 5);
SELECT bpr_train('t', 'm', x'7b7d');
SELECT bpr_train('t');
.print "== bpr_train: unknown, misspelt, duplicate, mistyped, out-of-range options"
SELECT bpr_train('t', 'm', '{"epoch": 1}');
SELECT bpr_train('t', 'm', '{"Dim": 4}');
SELECT bpr_train('t', 'm', '{"learning_rate": 0.1}');
SELECT bpr_train('t', 'm', '{"dim": 4, "dim": 4}');
SELECT bpr_train('t', 'm', '{"dim": "4"}');
SELECT bpr_train('t', 'm', '{"dim": null}');
SELECT bpr_train('t', 'm', '{"dim": 0}');
SELECT bpr_train('t', 'm', '{"dim": -3}');
SELECT bpr_train('t', 'm', '{"dim": 4097}');
SELECT bpr_train('t', 'm', '{"dim": 1e999}');
SELECT bpr_train('t', 'm', '{"epochs": 1e18}');
SELECT bpr_train('t', 'm', '{"lr": -0.1}');
SELECT bpr_train('t', 'm', '{"n_neg": 0}');
SELECT bpr_train('t', 'm', '{"threads": 0}');
SELECT bpr_train('t', 'm', '{"sampler": "uniformly"}');
SELECT bpr_train('t', 'm', '{"loss": "BPR"}');
SELECT bpr_train('t', 'm', '{"verbose": "yes"}');
SELECT bpr_train('t', 'm', '{"propagate": 17}');
SELECT bpr_train('t', 'm', '{"propagate": -1}');
SELECT bpr_train('t', 'm', '{"in_batch": 2}');
SELECT bpr_train('t', 'm', '{"in_batch": true}');
SELECT bpr_train('t', 'm', '{"dim": 4');
SELECT bpr_train('t', 'm', '');
SELECT bpr_train('t', 'm', '[]');
SELECT bpr_train('t', 'm', '"dim"');
SELECT bpr_train('t', 'm', '{"sampler": "exposure", "exposures": "nosuch"}');
.print "== bpr_train: empty source, missing table, bad SELECT, every user owns every item"
SELECT bpr_train('empty', 'm', '{"epochs": 1}');
SELECT bpr_train('', 'm', '{"epochs": 1}');
SELECT bpr_train('nosuch', 'm', '{"epochs": 1}');
SELECT bpr_train('SELECT user FROM t', 'm', '{"epochs": 1}');
SELECT bpr_train('SELECT 1, 1 UNION ALL SELECT 2, 1', 'm', '{"epochs": 1}');
SELECT bpr_train('SELECT 1, 2; DELETE FROM t', 'm', '{"epochs": 1}');
SELECT bpr_train('t"; DROP TABLE t; --', 'm', '{"epochs": 1}');
.print "== bpr_train: REAL and BLOB ids"
SELECT bpr_train('SELECT 1.5, 2', 'm', '{"epochs": 1}');
SELECT bpr_train('SELECT 1, x''02''', 'm', '{"epochs": 1}');
.print "== bpr_train: a model name that cannot be a table, called inside a statement that reads a table"
SELECT bpr_train('t', 'sqlite', '{"epochs": 1, "dim": 2}');
SELECT bpr_train('t', 'm', '{"epochs": 1, "dim": 2}') FROM t LIMIT 1;
.output dump1.sql
.dump
.output stdout
.shell cmp -s dump0.sql dump1.sql && echo "database unchanged after bpr_train errors" || echo "DATABASE CHANGED after bpr_train errors"
BEGIN;
ROLLBACK;
.print "== bpr_train: identifiers with quotes and spaces; duplicates count once; 1 and '1' are different users, ids kept as given"
SELECT json_extract(bpr_train('odd "name" t', 'my "q" m', '{"epochs": 1, "dim": 2, "threads": 1}'), '$.tables');
SELECT count(*), group_concat(typeof(id)) FROM "my ""q"" m_users";
SELECT json_extract(j, '$.users'), json_extract(j, '$.interactions') FROM (SELECT bpr_train('SELECT 1, ''a'' UNION ALL SELECT 1, ''a'' UNION ALL SELECT ''1'', ''a'' UNION ALL SELECT 1, ''b'' UNION ALL SELECT NULL, ''c''', 'mix', '{"epochs": 1, "dim": 2, "threads": 1}') j);
SELECT id, typeof(id) FROM mix_users ORDER BY typeof(id), id;
DROP TABLE "my ""q"" m_users";
DROP TABLE "my ""q"" m_items";
DROP TABLE mix_users;
DROP TABLE mix_items;

.print "== recommend: NULL, wrong type, missing arguments"
SELECT * FROM recommend(NULL, 'it');
SELECT * FROM recommend('us', 5);
SELECT * FROM recommend('us');
SELECT * FROM recommend;
SELECT * FROM recommend('us', 'it', 2, 7);
.print "== recommend: negative, zero, huge, fractional, text k; NULL k is the default"
SELECT * FROM recommend('us', 'it', -1);
SELECT * FROM recommend('us', 'it', 0);
SELECT * FROM recommend('us', 'it', 2.5);
SELECT * FROM recommend('us', 'it', 'three');
SELECT * FROM recommend('us', 'it', 1e300);
SELECT count(*) FROM recommend('us', 'it', 9223372036854775807);
SELECT count(*) FROM recommend('us', 'it', NULL);
SELECT count(*) FROM recommend('us', 'it', 2.0);
.print "== recommend: wrong dimension, NaN/Inf, empty blob, bad bias"
SELECT * FROM recommend('us', 'SELECT id, ''[1,2,3]'' FROM it', 2);
SELECT * FROM recommend('SELECT 1, ''[1,0]'' UNION ALL SELECT 2, ''[1,0,0]''', 'it', 2);
SELECT * FROM recommend('SELECT 1, x''0000c07f0000803f''', 'it', 2);
SELECT * FROM recommend('us', 'SELECT ''a'', x''0000807f0000803f''', 2);
SELECT * FROM recommend('us', 'SELECT ''a'', x''''', 2);
SELECT * FROM recommend('us', 'SELECT ''a'', 42', 2);
SELECT * FROM recommend('us', 'SELECT ''a'', ''[1,0]'', ''big''', 2);
SELECT * FROM recommend('us', 'SELECT ''a'', ''[1,0]'', 1e999', 2);
.print "== recommend: empty sources give no rows; missing tables and bad SELECTs are errors"
SELECT count(*) FROM recommend('SELECT 1, ''[1]'' WHERE 0', 'it', 2);
SELECT count(*) FROM recommend('us', 'SELECT 1, ''[1,0]'' WHERE 0', 2);
SELECT * FROM recommend('nosuch', 'it', 2);
SELECT * FROM recommend('us', 'nosuch', 2);
SELECT * FROM recommend('us', 'it', 2, 'nosuch');
SELECT * FROM recommend('us', 'SELECT id FROM it', 2);
SELECT * FROM recommend('us', '', 2);
.print "== recommend: duplicate ids are errors; NULL ids and embeddings skipped; 1 and '1' are different users"
SELECT * FROM recommend('SELECT 1, ''[1,0]'' UNION ALL SELECT 1, ''[0,1]''', 'it', 2);
SELECT * FROM recommend('us', 'SELECT ''a'', ''[1,0]'' UNION ALL SELECT ''a'', ''[0,1]''', 2);
SELECT * FROM recommend('us', 'SELECT 1.5, ''[1,0]''', 2);
SELECT user, typeof(user), item, rank FROM recommend('SELECT NULL, ''[1,0]'' UNION ALL SELECT 1, NULL UNION ALL SELECT 1, ''[1,0]'' UNION ALL SELECT ''1'', ''[0,1]''', 'it', 1) ORDER BY typeof(user);
.print "== recommend: identifiers with quotes and spaces"
CREATE TABLE "odd ""u"" s"(id, emb);
INSERT INTO "odd ""u"" s" VALUES (5, '[1,0]');
SELECT user, item FROM recommend('odd "u" s', 'it', 1);
DROP TABLE "odd ""u"" s";
.output dump1.sql
.dump
.output stdout
.shell cmp -s dump0.sql dump1.sql && echo "database unchanged after recommend cases" || echo "DATABASE CHANGED after recommend cases"
BEGIN;
ROLLBACK;

.print "== swing_sim: NULL source, missing source, NULL arguments are defaults"
SELECT * FROM swing_sim(NULL);
SELECT * FROM swing_sim;
SELECT * FROM swing_sim WHERE alpha = 1;
SELECT count(*) FROM swing_sim('sw', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
.print "== swing_sim: wrong types"
SELECT * FROM swing_sim(42);
SELECT * FROM swing_sim(x'74');
SELECT * FROM swing_sim('sw', 'one');
SELECT * FROM swing_sim('sw', x'00');
SELECT * FROM swing_sim('sw', 1.0, '3');
SELECT * FROM swing_sim('sw', 1.0, 2.5);
SELECT * FROM swing_sim('sw', 1.0, 3, 'half');
SELECT * FROM swing_sim('sw', 1.0, 3, 0, 0, 1.5);
SELECT * FROM swing_sim('sw', 1.0, 3, 0, 0, NULL, NULL, 'seed');
SELECT * FROM swing_sim('sw', 1.0, 3, 0, 0, NULL, NULL, 0, 2.5);
SELECT * FROM swing_sim('sw', 1.0, 3, 0, 0, NULL, NULL, 0, 1, 2);
.print "== swing_sim: negative, NaN, infinite alpha; beta and user_alpha out of range"
SELECT * FROM swing_sim('sw', -1);
SELECT * FROM swing_sim('sw', -0.0001);
SELECT * FROM swing_sim('sw', 1e999);
SELECT * FROM swing_sim('sw', -1e999);
SELECT * FROM swing_sim('sw', 0.0/0.0);
SELECT count(*) FROM swing_sim('sw', 0);
SELECT * FROM swing_sim('sw', 1, 3, -1);
SELECT * FROM swing_sim('sw', 1, 3, 10.5);
SELECT * FROM swing_sim('sw', 1, 3, 1, -2);
.print "== swing_sim: top_n zero, negative, huge; caps zero and negative; threads out of range"
SELECT * FROM swing_sim('sw', 1.0, 0);
SELECT * FROM swing_sim('sw', 1.0, -3);
SELECT * FROM swing_sim('sw', 1.0, 9223372036854775807);
SELECT * FROM swing_sim('sw', 1.0, 1e300);
SELECT count(*) FROM swing_sim('sw', 1.0, 4294967295);
SELECT * FROM swing_sim('sw', 1.0, 3, 0, 0, 0);
SELECT * FROM swing_sim('sw', 1.0, 3, 0, 0, NULL, -1);
SELECT * FROM swing_sim('sw', 1.0, 3, 0, 0, NULL, NULL, 0, 0);
SELECT * FROM swing_sim('sw', 1.0, 3, 0, 0, NULL, NULL, 0, 1025);
SELECT count(*) FROM swing_sim('sw', 1.0, 3, 0, 0, NULL, NULL, -9223372036854775808, 1);
.print "== swing_sim: too many arguments, unknown argument name"
SELECT * FROM swing_sim('sw', 1, 3, 0, 0, NULL, NULL, 0, 1, 0, 99);
SELECT * FROM swing_sim WHERE source = 'sw' AND gamma = 1;
.print "== swing_sim: empty source gives no rows; missing table, one column, bad SELECT are errors"
SELECT count(*) FROM swing_sim('empty');
SELECT count(*) FROM swing_sim('SELECT 1, 2 WHERE 0');
SELECT * FROM swing_sim('');
SELECT * FROM swing_sim('nosuch');
SELECT * FROM swing_sim('SELECT 1');
SELECT * FROM swing_sim('SELECT 1, 2; DELETE FROM t');
SELECT * FROM swing_sim('t"; DROP TABLE t; --');
SELECT * FROM swing_sim('SELECT user, item FROM nosuch');
.print "== swing_sim: item_a not in the source, NULL item_a, empty IN list: no rows"
SELECT count(*) FROM swing_sim('sw') WHERE item_a = 'zz';
SELECT count(*) FROM swing_sim('sw') WHERE item_a = NULL;
SELECT count(*) FROM swing_sim('sw') WHERE item_a IN ();
SELECT count(*) FROM swing_sim('sw') WHERE item_a IN (NULL, 'zz', x'61');
.output dump1.sql
.dump
.output stdout
.shell cmp -s dump0.sql dump1.sql && echo "database unchanged after swing_sim errors" || echo "DATABASE CHANGED after swing_sim errors"
BEGIN;
ROLLBACK;
.print "== swing_sim: duplicate pairs count once; NULL ids skipped; 1 and '1' are different users and items, kept as given"
SELECT item_a, item_b, score FROM swing_sim('SELECT 1, ''a'' UNION ALL SELECT 1, ''a'' UNION ALL SELECT 1, ''b'' UNION ALL SELECT 2, ''a'' UNION ALL SELECT 2, ''b'' UNION ALL SELECT 2, ''b''');
SELECT item_a, item_b, score FROM swing_sim('SELECT 1, ''a'' UNION ALL SELECT 1, ''b'' UNION ALL SELECT ''1'', ''a'' UNION ALL SELECT ''1'', ''b'' UNION ALL SELECT NULL, ''a'' UNION ALL SELECT 3, NULL');
SELECT item_a, typeof(item_a), item_b, typeof(item_b), score FROM swing_sim('SELECT column1, column2 FROM (VALUES (1, 7), (1, ''7''), (2, 7), (2, ''7''), (''1'', 7), (''1'', ''7''))');
SELECT item_a, item_b, score FROM swing_sim('SELECT 1.5, 2');
SELECT item_a, item_b, score FROM swing_sim('SELECT x''01'', 2 UNION ALL SELECT x''01'', 3 UNION ALL SELECT x''02'', 2 UNION ALL SELECT x''02'', 3');
.print "== swing_sim: identifiers with quotes and spaces; a changed table is read again"
CREATE TABLE "sw ""q"" t"(u, i);
INSERT INTO "sw ""q"" t" SELECT * FROM sw;
SELECT item_b, score FROM swing_sim('sw "q" t', 1.0, 2) WHERE item_a = 'c';
SELECT count(*) FROM swing_sim WHERE source = 'sw "q" t' AND item_a IN ('a', 'd');
SELECT * FROM swing_sim('"sw ""q"" t"');
INSERT INTO "sw ""q"" t" VALUES ('u4', 'c'), ('u4', 'd');
SELECT item_b, score FROM swing_sim('sw "q" t', 1.0, 2) WHERE item_a = 'c';
DROP TABLE "sw ""q"" t";
.output dump1.sql
.dump
.output stdout
.shell cmp -s dump0.sql dump1.sql && echo "database unchanged after swing_sim cases" || echo "DATABASE CHANGED after swing_sim cases"
BEGIN;
ROLLBACK;

.print "== itemcf_sim: NULL source, missing source, NULL arguments are defaults"
SELECT * FROM itemcf_sim(NULL);
SELECT * FROM itemcf_sim;
SELECT * FROM itemcf_sim WHERE method = 'cosine';
SELECT count(*) FROM itemcf_sim('sw', NULL, NULL, NULL, NULL);
.print "== itemcf_sim: wrong types"
SELECT * FROM itemcf_sim(3.5);
SELECT * FROM itemcf_sim(x'7377');
SELECT * FROM itemcf_sim('sw', 'ten');
SELECT * FROM itemcf_sim('sw', x'0a');
SELECT * FROM itemcf_sim('sw', 2.5);
SELECT * FROM itemcf_sim('sw', 10, 3);
SELECT * FROM itemcf_sim('sw', 10, x'636f73696e65');
SELECT * FROM itemcf_sim('sw', 10, 'cosine', 'two');
SELECT * FROM itemcf_sim('sw', 10, 'cosine', 1, 'yes');
.print "== itemcf_sim: unknown, misspelt, differently cased methods"
SELECT * FROM itemcf_sim('sw', 10, 'pearson');
SELECT * FROM itemcf_sim('sw', 10, 'cosin');
SELECT * FROM itemcf_sim('sw', 10, 'Cosine');
SELECT * FROM itemcf_sim('sw', 10, '');
SELECT * FROM itemcf_sim('sw', 10, 'cosine ');
.print "== itemcf_sim: top_n zero, negative, huge, NaN, infinite; threads out of range"
SELECT * FROM itemcf_sim('sw', 0);
SELECT * FROM itemcf_sim('sw', -1);
SELECT * FROM itemcf_sim('sw', 9223372036854775807);
SELECT * FROM itemcf_sim('sw', 1e999);
SELECT count(*) FROM itemcf_sim('sw', 0.0/0.0);
SELECT count(*) FROM itemcf_sim('sw', 4294967295);
SELECT * FROM itemcf_sim('sw', 10, 'cosine', 0);
SELECT * FROM itemcf_sim('sw', 10, 'cosine', -2);
SELECT * FROM itemcf_sim('sw', 10, 'cosine', 1e999);
.print "== itemcf_sim: too many arguments, unknown argument name"
SELECT * FROM itemcf_sim('sw', 10, 'cosine', 1, 0, 1);
SELECT * FROM itemcf_sim WHERE source = 'sw' AND alpha = 1;
.print "== itemcf_sim: empty source gives no rows; missing table, one column, bad SELECT are errors"
SELECT count(*) FROM itemcf_sim('empty');
SELECT count(*) FROM itemcf_sim('SELECT 1, 2 WHERE 0', 10, 'jaccard');
SELECT * FROM itemcf_sim('');
SELECT * FROM itemcf_sim('nosuch');
SELECT * FROM itemcf_sim('SELECT 1');
SELECT * FROM itemcf_sim('SELECT 1, 2; DELETE FROM sw');
SELECT * FROM itemcf_sim('sw"; DROP TABLE sw; --');
SELECT * FROM itemcf_sim('WITH d AS (DELETE FROM sw RETURNING *) SELECT * FROM d');
.print "== itemcf_sim: item_a not in the source, NULL item_a, empty IN list: no rows"
SELECT count(*) FROM itemcf_sim('sw') WHERE item_a = 'zz';
SELECT count(*) FROM itemcf_sim('sw') WHERE item_a = NULL;
SELECT count(*) FROM itemcf_sim('sw') WHERE item_a IN ();
SELECT count(*) FROM itemcf_sim('sw') WHERE item_a IN (NULL, 'zz', x'61');
.output dump1.sql
.dump
.output stdout
.shell cmp -s dump0.sql dump1.sql && echo "database unchanged after itemcf_sim errors" || echo "DATABASE CHANGED after itemcf_sim errors"
BEGIN;
ROLLBACK;
.print "== itemcf_sim: duplicate pairs count once; NULL ids skipped; 1 and '1' are different users and items, kept as given"
SELECT item_a, item_b, score FROM itemcf_sim('SELECT 1, ''a'' UNION ALL SELECT 1, ''a'' UNION ALL SELECT 1, ''b'' UNION ALL SELECT 2, ''a'' UNION ALL SELECT 2, ''a'' UNION ALL SELECT NULL, ''b'' UNION ALL SELECT 3, NULL', 10, 'cooccurrence');
SELECT item_a, typeof(item_a), item_b, typeof(item_b), score FROM itemcf_sim('SELECT column1, column2 FROM (VALUES (1, 7), (1, ''7''), (''1'', 7), (2, ''7''))', 10, 'cosine');
SELECT * FROM itemcf_sim('SELECT 1, 2.5');
SELECT * FROM itemcf_sim('SELECT 1, x''00''');
.print "== itemcf_sim: identifiers with quotes and spaces; a changed table is read again"
CREATE TABLE "cf ""q"" t"(u, i);
INSERT INTO "cf ""q"" t" SELECT * FROM sw;
SELECT item_b, score FROM itemcf_sim('cf "q" t', 10, 'jaccard') WHERE item_a = 'c';
SELECT * FROM itemcf_sim('"cf ""q"" t"');
DELETE FROM "cf ""q"" t" WHERE i = 'a';
SELECT item_b, score FROM itemcf_sim('cf "q" t', 10, 'jaccard') WHERE item_a = 'c';
DROP TABLE "cf ""q"" t";
.output dump1.sql
.dump
.output stdout
.shell cmp -s dump0.sql dump1.sql && echo "database unchanged after itemcf_sim cases" || echo "DATABASE CHANGED after itemcf_sim cases"
BEGIN;
ROLLBACK;

.print "== knn_index: options: missing, unknown, misspelt, repeated, out of range, wrong kind"
CREATE VIRTUAL TABLE kx USING knn_index;
CREATE VIRTUAL TABLE kx USING knn_index(metric=ip);
CREATE VIRTUAL TABLE kx USING knn_index(dim=0);
CREATE VIRTUAL TABLE kx USING knn_index(dim=-3);
CREATE VIRTUAL TABLE kx USING knn_index(dim=65537);
CREATE VIRTUAL TABLE kx USING knn_index(dim=2.5);
CREATE VIRTUAL TABLE kx USING knn_index(dim=abc);
CREATE VIRTUAL TABLE kx USING knn_index(dims=4);
CREATE VIRTUAL TABLE kx USING knn_index(dim=4, dim=4);
CREATE VIRTUAL TABLE kx USING knn_index(dim=4, metric=dot);
CREATE VIRTUAL TABLE kx USING knn_index(dim=4, index=ivf);
CREATE VIRTUAL TABLE kx USING knn_index(dim=4, m=8);
CREATE VIRTUAL TABLE kx USING knn_index(dim=4, index=hnsw, m=1);
CREATE VIRTUAL TABLE kx USING knn_index(dim=4, index=hnsw, m=101);
CREATE VIRTUAL TABLE kx USING knn_index(dim=4, index=hnsw, m=16, ef_construction=20);
CREATE VIRTUAL TABLE kx USING knn_index(dim=4, index=hnsw, ef_search=0);
CREATE VIRTUAL TABLE kx USING knn_index(dim=4, 4);
.print "== knn_index: NULL, wrong type, wrong dimension, NaN/Inf, empty blob vectors"
CREATE VIRTUAL TABLE kn USING knn_index(dim=2, metric=l2, index=hnsw, m=4, ef_construction=8);
INSERT INTO kn(rowid, embedding) VALUES (1, '[1,0]'), (2, '[0,1]'), (3, '[1,1]');
.output dump0k.sql
.dump
.output stdout
INSERT INTO kn(rowid, embedding) VALUES (4, NULL);
INSERT INTO kn(rowid, embedding) VALUES (4, 42);
INSERT INTO kn(rowid, embedding) VALUES (4, 'not json');
INSERT INTO kn(rowid, embedding) VALUES (4, '[1,2,3]');
INSERT INTO kn(rowid, embedding) VALUES (4, x'0000803f');
INSERT INTO kn(rowid, embedding) VALUES (4, x'');
INSERT INTO kn(rowid, embedding) VALUES (4, x'0000c07f0000803f');
INSERT INTO kn(rowid, embedding) VALUES (4, '[1e39, 0]');
INSERT INTO kn(rowid, embedding) VALUES (4, '[1,0]'), (5, '[1,2,3]');
INSERT INTO kn(rowid, embedding) VALUES ('four', '[1,0]');
INSERT INTO kn(rowid, embedding, k) VALUES (4, '[1,0]', 3);
.print "== knn_index: duplicate rowids"
INSERT INTO kn(rowid, embedding) VALUES (1, '[5,5]');
INSERT INTO kn(rowid, embedding) VALUES (6, '[5,5]'), (6, '[4,4]');
UPDATE kn SET embedding = '[1]' WHERE rowid = 2;
UPDATE kn SET rowid = 1 WHERE rowid = 2;
.print "== knn_index: queries: k missing, zero, negative, huge, fractional, text; NULL and wrong-dimension query"
SELECT rowid FROM kn WHERE embedding MATCH '[1,0]';
SELECT rowid FROM kn WHERE embedding MATCH '[1,0]' AND k = 0;
SELECT rowid FROM kn WHERE embedding MATCH '[1,0]' AND k = -1;
SELECT rowid FROM kn WHERE embedding MATCH '[1,0]' AND k = 2.5;
SELECT rowid FROM kn WHERE embedding MATCH '[1,0]' AND k = 'two';
SELECT count(*) FROM kn WHERE embedding MATCH '[1,0]' AND k = 9223372036854775807;
SELECT count(*) FROM kn WHERE embedding MATCH NULL AND k = 2;
SELECT rowid FROM kn WHERE embedding MATCH '[1,0,0]' AND k = 2;
SELECT rowid FROM kn WHERE embedding MATCH x'0000c07f0000803f' AND k = 2;
SELECT rowid FROM kn WHERE embedding MATCH x'' AND k = 2;
SELECT rowid FROM kn WHERE embedding MATCH '[1,0]' AND k = 2 AND ef_search = 0;
SELECT rowid, distance FROM kn WHERE embedding MATCH '[1,0]' AND k = 2 AND rowid IN (3, 99, NULL, 'x');
.output dump1k.sql
.dump
.output stdout
.shell cmp -s dump0k.sql dump1k.sql && echo "database unchanged after knn_index errors" || echo "DATABASE CHANGED after knn_index errors"
BEGIN;
ROLLBACK;
.print "== knn_index: identifiers with quotes and spaces; a TEXT rowid is an error, an integer text is taken as the integer"
CREATE VIRTUAL TABLE "k ""q"" x" USING knn_index(dim=2);
INSERT INTO "k ""q"" x"(rowid, embedding) VALUES (7, '[1,2]'), ('8', '[2,1]');
SELECT rowid, typeof(rowid) FROM "k ""q"" x" WHERE embedding MATCH '[1,0]' AND k = 5;
SELECT name FROM sqlite_schema WHERE name LIKE 'k "q" x%' ORDER BY name;
DROP TABLE "k ""q"" x";
DROP TABLE kn;
SELECT count(*) FROM sqlite_schema WHERE name LIKE 'kn%';
.output dump1.sql
.dump
.output stdout
.shell cmp -s dump0.sql dump1.sql && echo "database unchanged after knn_index cases" || echo "DATABASE CHANGED after knn_index cases"
BEGIN;
ROLLBACK;
