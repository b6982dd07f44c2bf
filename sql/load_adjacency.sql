-- Turns adjacency lines "user item item ..." (the format of the public
-- NGCF/LightGCN splits) into (user, item) rows.
--
-- Usage in the sqlite3 shell (file paths are yours):
--   CREATE TABLE train_lines(line TEXT);
--   CREATE TABLE test_lines(line TEXT);
--   .import --csv ../shared/data/gowalla/train.txt train_lines
--   .import --csv ../shared/data/gowalla/test.txt  test_lines
--   .read sql/load_adjacency.sql
--
-- (Create the *_lines tables first: .import into a missing table would take
-- the first line as column names.) .import --csv reads each line into the
-- single column of <x>_lines; this
-- script splits it with json_each (C speed) into train(user, item) and
-- test(user, item), and drops the *_lines tables. A user with no items on its
-- line gets no rows.
CREATE TABLE IF NOT EXISTS train_lines(line TEXT);
CREATE TABLE IF NOT EXISTS test_lines(line TEXT);
DROP TABLE IF EXISTS train;
DROP TABLE IF EXISTS test;
CREATE TABLE train(user INTEGER, item INTEGER, PRIMARY KEY (user, item)) WITHOUT ROWID;
CREATE TABLE test(user INTEGER, item INTEGER, PRIMARY KEY (user, item)) WITHOUT ROWID;
INSERT OR IGNORE INTO train(user, item)
  SELECT json_extract(a, '$[0]'), j.value
  FROM (SELECT '[' || replace(trim(line), ' ', ',') || ']' AS a FROM train_lines WHERE trim(line) <> ''),
       json_each(a) AS j
  WHERE j.key > 0;
INSERT OR IGNORE INTO test(user, item)
  SELECT json_extract(a, '$[0]'), j.value
  FROM (SELECT '[' || replace(trim(line), ' ', ',') || ']' AS a FROM test_lines WHERE trim(line) <> ''),
       json_each(a) AS j
  WHERE j.key > 0;
DROP TABLE train_lines;
DROP TABLE test_lines;
