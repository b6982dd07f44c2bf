-- Security: the objects that run SQL named by their caller (bpr_train,
-- neg_samples, recommend, swing_sim, itemcf_sim) are SQLITE_DIRECTONLY, so a view or a trigger of a
-- hostile schema cannot run them: SQLite refuses with "unsafe use of ...".
-- The pure functions (embed_*, metrics) are innocuous and work everywhere,
-- also with trusted_schema off. Names are always quoted as identifiers.
.mode list
CREATE TABLE t(user, item);
INSERT INTO t VALUES (1, 'a'), (1, 'b'), (2, 'b'), (2, 'c'), (3, 'a');
CREATE TABLE us(id, emb);
INSERT INTO us VALUES (1, '[1,0]'), (2, '[0,1]');
CREATE TABLE it(id, emb);
INSERT INTO it VALUES ('a', '[1,0]'), ('b', '[0,1]');
CREATE TABLE ev(s, l);
INSERT INTO ev VALUES (0.9, 1), (0.1, 0);
.print "== views that use the SQL-running objects are refused when used"
CREATE VIEW v_neg AS SELECT * FROM neg_samples('t', 2);
CREATE VIEW v_rec AS SELECT * FROM recommend('us', 'it', 1);
CREATE VIEW v_bpr AS SELECT bpr_train('t', 'evil', '{"epochs": 1, "dim": 2}') AS j;
SELECT count(*) FROM v_neg;
SELECT count(*) FROM v_rec;
SELECT * FROM v_bpr;
CREATE VIEW v_swing AS SELECT * FROM swing_sim('t', 1.0, 5);
CREATE VIEW v_itemcf AS SELECT * FROM itemcf_sim('t', 5, 'jaccard');
CREATE VIEW v_swing_one AS SELECT * FROM swing_sim WHERE source = 't' AND item_a = 'a';
SELECT count(*) FROM v_swing;
SELECT count(*) FROM v_itemcf;
SELECT count(*) FROM v_swing_one;
.print "== so are triggers"
CREATE TABLE log(x);
CREATE TABLE sink(n);
CREATE TRIGGER tr_bpr AFTER INSERT ON log BEGIN SELECT bpr_train('t', 'evil', '{"epochs": 1, "dim": 2}'); END;
INSERT INTO log VALUES (1);
DROP TRIGGER tr_bpr;
CREATE TRIGGER tr_neg AFTER INSERT ON log BEGIN INSERT INTO sink SELECT count(*) FROM neg_samples('t'); END;
INSERT INTO log VALUES (2);
DROP TRIGGER tr_neg;
CREATE TRIGGER tr_rec AFTER INSERT ON log BEGIN INSERT INTO sink SELECT count(*) FROM recommend('us', 'it'); END;
INSERT INTO log VALUES (3);
DROP TRIGGER tr_rec;
CREATE TRIGGER tr_swing AFTER INSERT ON log BEGIN INSERT INTO sink SELECT count(*) FROM swing_sim('t'); END;
INSERT INTO log VALUES (5);
DROP TRIGGER tr_swing;
CREATE TRIGGER tr_itemcf AFTER INSERT ON log BEGIN INSERT INTO sink SELECT count(*) FROM itemcf_sim('t', 3); END;
INSERT INTO log VALUES (6);
DROP TRIGGER tr_itemcf;
.print "== nothing was written by the refused calls"
SELECT count(*) FROM log;
SELECT count(*) FROM sink;
SELECT count(*) FROM sqlite_schema WHERE name LIKE 'evil%';
.print "== called directly, the same statements work"
SELECT count(*) FROM neg_samples('t', 2);
SELECT count(*) FROM recommend('us', 'it', 1);
SELECT count(*) FROM swing_sim('SELECT user, item FROM t UNION ALL SELECT 3, ''b''', 1.0, 5);
SELECT count(*) FROM itemcf_sim('t', 5, 'jaccard');
.print "== the pure functions work in views, triggers, generated columns and CHECK constraints, with trusted_schema off"
PRAGMA trusted_schema = OFF;
CREATE VIEW v_ok AS SELECT embed_dim('[1,2,3]') d, embed_json(embed_normalize('[3,4]')) n;
CREATE VIEW v_auc AS SELECT auc(s, l) a, recall_at_k(s, l, 1) r FROM ev;
SELECT * FROM v_ok;
SELECT * FROM v_auc;
CREATE TABLE g(e, d AS (embed_dim(e)), CHECK (embed_norm(e) > 0));
INSERT INTO g(e) VALUES ('[1,2]');
SELECT d FROM g;
CREATE TRIGGER tr_ok AFTER INSERT ON log BEGIN INSERT INTO sink VALUES (embed_dim('[1,2,3,4]')); END;
INSERT INTO log VALUES (4);
SELECT n FROM sink;
.print "== names are quoted as one identifier, never spliced into SQL"
SELECT * FROM neg_samples('t; DROP TABLE t');
SELECT * FROM recommend('us"; DROP TABLE us; --', 'it');
SELECT json_extract(bpr_train('t', 'x"; DROP TABLE t; --', '{"epochs": 1, "dim": 2, "threads": 1}'), '$.tables');
SELECT name FROM sqlite_schema WHERE type = 'table' AND name IN ('t', 'us', 'x"; DROP TABLE t; --_users') ORDER BY name;
.print "== a source SELECT must be one read-only statement"
SELECT * FROM neg_samples('SELECT 1, 2; DROP TABLE t');
SELECT * FROM neg_samples('WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d');
SELECT * FROM swing_sim('SELECT 1, 2; DROP TABLE t');
SELECT * FROM itemcf_sim('SELECT * FROM t; DROP TABLE t');
SELECT * FROM swing_sim('t"; DROP TABLE t; --');
SELECT * FROM itemcf_sim('INSERT INTO t VALUES (9, 9) RETURNING *');
SELECT bpr_train('SELECT * FROM t; PRAGMA writable_schema = 1', 'm', '{}');
SELECT count(*) FROM t;
