-- embed functions: exact values on hand-computed cases, then the error cases.
.mode list
.headers off
SELECT 'version', recsql_version() = '0.1.0';
-- embed: JSON -> float32 LE blob; a blob passes through unchanged
SELECT 'embed', hex(embed('[1, 2.5, -3]'));
SELECT 'embed-blob', hex(embed(x'0000803F00002040'));
SELECT 'embed-null', embed(NULL) IS NULL;
-- embed_json: shortest digits that read back as the same float32
SELECT 'json', embed_json('[0.1, 0.2, 1e-3, -0, 100]');
SELECT 'json-blob', embed_json(x'0000803F000000C0');
SELECT 'dim', embed_dim('[1,2,3]'), embed_dim(x'0000803F0000803F0000803F0000803F');
-- 1*4 + 2*5 + 3*6 = 32
SELECT 'dot', embed_dot('[1,2,3]', '[4,5,6]');
-- dot of 20-dim vectors of ones and 0..19: 190 (crosses the 8- and 16-lane loops)
SELECT 'dot20', embed_dot(
  '[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]',
  '[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19]');
-- cosine: orthogonal 0, parallel 1, opposite -1, zero vector 0 by definition
SELECT 'cosine', embed_cosine('[1,0]','[0,1]'), embed_cosine('[2,0]','[5,0]'),
       embed_cosine('[1,1]','[-1,-1]'), embed_cosine('[0,0]','[1,1]');
-- cos([1,2],[2,1]) = 4/5
SELECT 'cosine45', embed_cosine('[1,2]','[2,1]');
-- clamped to [-1, 1]: unclamped, these parallel vectors give 1.0000000000000002 and -1.0000000000000002
SELECT 'cosine-clamp', printf('%!.17g', embed_cosine('[0.8,0.1,0.1]','[2.4,0.3,0.3]')),
       printf('%!.17g', embed_cosine('[0.5,0.1,0.5]','[-1.5,-0.3,-1.5]')),
       embed_cosine('[0.8,0.1,0.1]','[2.4,0.3,0.3]') <= 1.0, embed_cosine('[0.5,0.1,0.5]','[1.5,0.3,1.5]') <= 1.0;
SELECT 'l2', embed_l2('[0,0]','[3,4]'), embed_l2('[1,2,3]','[1,2,3]');
SELECT 'norm', embed_norm('[3,4]'), embed_norm('[0,0,0]');
SELECT 'normalize', embed_json(embed_normalize('[3,4]')), embed_json(embed_normalize('[0,0]'));
-- blob and JSON arguments mix
SELECT 'mixed', embed_dot(embed('[1,2]'), '[3,4]');
-- NULL in any argument gives NULL
SELECT 'nulls', embed_dot(NULL, '[1]') IS NULL, embed_cosine('[1]', NULL) IS NULL,
       embed_l2(NULL, NULL) IS NULL, embed_norm(NULL) IS NULL, embed_json(NULL) IS NULL,
       embed_dim(NULL) IS NULL, embed_normalize(NULL) IS NULL;
-- embed_avg: mean per dimension; NULL rows skipped; no rows -> NULL
SELECT 'avg', embed_json(embed_avg(e)) FROM (SELECT '[1,2]' e UNION ALL SELECT '[3,5]' UNION ALL SELECT NULL);
SELECT 'avg-group', g, embed_json(embed_avg(e)) FROM (
  SELECT 1 g, '[1,1]' e UNION ALL SELECT 1, '[3,3]' UNION ALL SELECT 2, '[0,-4]') GROUP BY g;
SELECT 'avg-empty', embed_avg(e) IS NULL FROM (SELECT '[1]' e WHERE 0);
-- flags: usable in an index expression (deterministic)
CREATE TABLE v(id INTEGER PRIMARY KEY, e BLOB);
INSERT INTO v VALUES (1, embed('[3,4]')), (2, embed('[1,0]'));
CREATE INDEX v_norm ON v(embed_norm(e));
SELECT 'indexed', id FROM v WHERE embed_norm(e) > 2;
-- errors
SELECT embed_dot('[1,2,3]', '[4,5]');
SELECT embed_dot(1, '[1]');
SELECT embed_cosine('[1]', 2.5);
SELECT embed('[1,');
SELECT embed('[]');
SELECT embed('[1, 1e39]');
SELECT embed(x'');
SELECT embed(x'0000803f000000');
SELECT embed(x'0000807f');
SELECT embed(x'0000c0ff0000803f');
SELECT embed_l2(x'0000803f', '[1, 2]');
SELECT embed_avg(e) FROM (SELECT '[1,2]' e UNION ALL SELECT '[1,2,3]');
SELECT embed_avg(e) FROM (SELECT '[1,2]' e UNION ALL SELECT 7);
SELECT embed_dot('[1]');
SELECT 'end';
