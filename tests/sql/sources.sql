-- sources (ext/source.c, shared by every object): a SELECT text may start
-- with whitespace and SQL comments (-- to the end of the line, /* */) like
-- any statement SQLite runs; before, such text was taken for a table name.
-- Also: trailing comments, comment-only text, names that start like keywords.
.mode list
CREATE TABLE t(u, i);
INSERT INTO t VALUES (1, 10), (1, 11), (2, 10), (2, 12), (3, 11), (3, 12), (3, 10);
CREATE TABLE emb(id, e);
INSERT INTO emb VALUES (1, '[1, 0]'), (2, '[0, 1]');
CREATE TABLE "select me"(u, i);
INSERT INTO "select me" VALUES (5, 50), (6, 60);
-- a line comment first (the issue's case), then each object that reads a source
SELECT 'line-comment', count(*) FROM neg_samples('-- x' || char(10) || 'SELECT u, i FROM t', 1, 'uniform', 1);
SELECT 'block-comment', count(*) FROM neg_samples('/* c */ SELECT u, i FROM t', 1, 'uniform', 1);
SELECT 'both', count(*) FROM neg_samples(char(10, 9) || '  /* a */ -- b' || char(10) || '/* multi' || char(10) || 'line */select u, i FROM t');
SELECT 'swing', item_a, item_b, printf('%.4f', score) FROM swing_sim('-- pairs' || char(10) || 'SELECT u, i FROM t') WHERE item_a = 10;
SELECT 'itemcf', item_a, item_b, printf('%.4f', score) FROM itemcf_sim('/**/WITH p AS (SELECT u, i FROM t) SELECT * FROM p', 1) WHERE item_a = 10;
SELECT 'recommend', user, item, score FROM recommend('-- users' || char(10) || 'SELECT id, e FROM emb', ' /* items */ VALUES (10, ''[2, 1]''), (11, ''[1, 3]'')', 1);
SELECT 'exclude', user, item FROM recommend('emb', 'SELECT 10, ''[1, 1]'' UNION ALL SELECT 11, ''[1, 1]''', 5, '--no' || char(10) || 'SELECT 1, 10');
SELECT 'exposures', count(*) FROM neg_samples('t', 1, 'exposure', 0, 0.75, '/* shown */ SELECT 1, 99');
SELECT bpr_train('-- train' || char(10) || 'SELECT u, i FROM t', 'm', '{"dim": 2, "epochs": 1, "threads": 1}') IS NOT NULL AS 'bpr_train';
-- comments after the statement are fine too
SELECT 'trailing', count(*) FROM neg_samples('SELECT u, i FROM t; -- done' || char(10) || '/* really */ ;');
-- a name is still a name, also one that starts like a keyword
SELECT 'name', count(*) FROM neg_samples('select me');
-- errors: only comments; a second statement after a comment; a name that is not there
SELECT count(*) FROM swing_sim('-- only a comment');
SELECT count(*) FROM swing_sim('  /* nothing */  ');
SELECT count(*) FROM neg_samples('SELECT u, i FROM t; /* c */ SELECT 1, 2');
SELECT count(*) FROM neg_samples('selectx');
SELECT count(*) FROM neg_samples('/* c */ DELETE FROM t RETURNING u, i');
SELECT 'rows left', count(*) FROM t;
