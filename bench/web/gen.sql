-- gen.sql - N incidents straight into a desk's incident table (SQLite), for
-- the queue benchmark: :n is set by run.sh through a one-row table. Kinds,
-- states, sites and hosts are spread so the filters have work to do; times
-- run over the last 90 days, one incident every ~8 s.
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < (SELECT n FROM gen_n))
INSERT INTO incident (key, kind, state, owner, site, subject, host, first_seen, last_seen,
                      created, updated, events)
SELECT k || '|10.' || (x / 65536 % 256) || '.' || (x / 256 % 256) || '.' || (x % 256),
       k,
       CASE x / 6 % 10 WHEN 0 THEN 'open' WHEN 1 THEN 'stalled' WHEN 2 THEN 'blocked'
                   WHEN 3 THEN 'rejected' WHEN 4 THEN 'new' ELSE 'resolved' END,
       CASE x % 7 WHEN 0 THEN 'ana' ELSE '' END,
       'site' || (x % 200),
       k || ' from 10.' || (x / 65536 % 256) || '.' || (x / 256 % 256) || '.' || (x % 256),
       '10.' || (x / 65536 % 256) || '.' || (x / 256 % 256) || '.' || (x % 256),
       t, t + 600000, t, t + 600000, 1 + x % 5
FROM (SELECT x,
             CASE x % 6 WHEN 0 THEN 'scan' WHEN 1 THEN 'cc' WHEN 2 THEN 'blocklist'
                        WHEN 3 THEN 'portscan' WHEN 4 THEN 'dos' ELSE 'copyright' END AS k,
             (SELECT t0 FROM gen_n) + x * 7776 AS t
      FROM c);
