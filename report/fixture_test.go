package report

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"pricewatch/duckdb"
	"pricewatch/schemas"
)

// evilReason is an anomaly reason that must reach the page as text.
const evilReason = `price 0 is not positive </script><script>alert("x")</script> & <b>bold</b>`

// fixtureSQL fills the output tables with a small session of three
// instruments: four hours of one-minute bars, anomalies (two of them at
// one event time, one about another attribute, one with a hostile
// reason), a revised window and the history of reference attributes.
var fixtureSQL = []string{
	`INSERT INTO window_bars BY NAME
	SELECT id AS instrument_id, 'price' AS attribute, 'tumbling' AS window_kind,
		TIMESTAMP '2026-01-15 00:00:00' + to_minutes(i) AS window_start,
		TIMESTAMP '2026-01-15 00:00:00' + to_minutes(i + 1) AS window_end,
		p AS open, p + 40 * k AS high, p - 30 * k AS low, p + 10 * k AS close,
		20 + i % 7 AS count, (20 + i % 7) * p AS sum, p AS mean, 100.0 AS variance,
		CASE WHEN id = '035420' THEN 0 ELSE 100 + 10 * (i % 5) END AS volume, p AS vwap,
		TIMESTAMP '2026-01-15 00:00:00' + to_minutes(i) AS first_time,
		TIMESTAMP '2026-01-15 00:00:59' + to_minutes(i) AS last_time,
		0 AS late_updates, 0 AS revision, false AS early, 0 AS src_partition, i AS src_offset
	FROM (SELECT id, k, i, base + k * round(30 * sin(i / 15.0) + 8 * cos(i / 4.0)) AS p
		FROM (VALUES ('005930', 71000, 10), ('000660', 131000, 100), ('035420', 215000, 500)) v(id, base, k),
			range(0, 240) r(i))`,
	// A later revision of one window: the report draws it, not revision 0.
	`INSERT INTO window_bars BY NAME
	SELECT instrument_id, attribute, window_kind, window_start, window_end, open, high + 5000 AS high, low, close + 3000 AS close,
		count, sum, mean, variance, volume, vwap, first_time, last_time, 1 AS late_updates, 1 AS revision, early,
		src_partition, 1000 AS src_offset
	FROM window_bars WHERE instrument_id = '005930' AND window_start = TIMESTAMP '2026-01-15 01:40:00'`,
	// Five-minute bars, which the report leaves out: it draws the shortest windows.
	`INSERT INTO window_bars BY NAME
	SELECT instrument_id, attribute, window_kind, window_start, window_start + INTERVAL 5 MINUTE AS window_end,
		open, high, low, close, count, sum, mean, variance, volume, vwap, first_time, last_time, late_updates, revision, early,
		src_partition, src_offset
	FROM window_bars WHERE minute(window_start) % 5 = 0 AND revision = 0`,
	`INSERT INTO anomalies VALUES
		('005930', TIMESTAMP '2026-01-15 01:40:18.958', 'jump', 'price', 74100, 71100, 0.05, 0.87, 'price 74,100 is 4.2% above previous 71,100; threshold 5%', 0, 101),
		('005930', TIMESTAMP '2026-01-15 01:40:18.958', 'zscore', 'price', 74100, 71100, 6, 0.98, 'price 74,100 is +4.2% from previous 71,100: z-score +30.1 against the last 100 returns; threshold 6', 0, 101),
		('005930', TIMESTAMP '2026-01-15 02:30:00', 'limit_band', 'price', 93000, 71500, 0.3, 0.14, 'price 93,000 is 30% above base_price 71,500; band ±30%', 0, 150),
		('005930', TIMESTAMP '2026-01-15 03:05:42.5', 'invalid', 'price', 0, 0, 0, 1, '` + evilReason + `', 0, 185),
		('005930', TIMESTAMP '2026-01-15 03:10:00', 'jump', 'price', 70500, 71200, 0.05, 0.2, 'price 70,500 is 1% below previous 71,200; threshold 5%', 0, 190),
		('000660', TIMESTAMP '2026-01-15 00:20:05', 'sequence', 'seq', 374, 371, 0, 0.5, 'seq 374 after 370: 3 missing; max gap 0', 1, 20),
		('000660', TIMESTAMP '2026-01-15 02:59:59.999', 'jump', 'price', 140000, 131000, 0.05, 0.9, 'price 140,000 is 6.9% above previous 131,000; threshold 5%', 1, 180)`,
	`INSERT INTO attr_history VALUES
		('005930', 'base_price', 70000, NULL, TIMESTAMP '2026-01-14 23:59:59', TIMESTAMP '2026-01-15 02:00:00', 'upsert', 1, 0, 0, 120),
		('005930', 'base_price', 71500, NULL, TIMESTAMP '2026-01-15 02:00:00', NULL, 'upsert', 2, 0, 120, 120),
		('005930', 'kr_short_name', NULL, '삼성전자', TIMESTAMP '2026-01-14 23:59:59', NULL, 'upsert', 1, 0, 0, 0),
		('005930', 'par_value', 100, NULL, TIMESTAMP '2020-01-01 00:00:00', TIMESTAMP '2026-01-15 01:00:00', 'upsert', 1, 0, 0, 60),
		('005930', 'par_value', 500, NULL, TIMESTAMP '2026-01-15 01:00:00', NULL, 'correct', 2, 0, 60, 60),
		('000660', 'base_price', 131000, NULL, TIMESTAMP '2026-01-14 23:59:59', NULL, 'upsert', 1, 1, 0, 0),
		('000660', 'en_short_name', NULL, 'SK hynix', TIMESTAMP '2026-01-14 23:59:59', TIMESTAMP '2026-01-15 03:59:00', 'upsert', 1, 1, 0, 239),
		('000660', 'en_short_name', NULL, 'SK hynix', TIMESTAMP '2026-01-15 03:59:00', NULL, 'delete', 2, 1, 239, 239)`,
}

// fixture creates an output database in a temporary folder, fills it and
// returns it opened read-only, as the report command opens it.
func fixture(t testing.TB) *sql.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), duckdb.FileName)
	s, err := duckdb.Open(path, schemas.Tables, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range fixtureSQL {
		if err := appendSQL(s, q); err != nil {
			s.Close()
			t.Fatalf("%v\n%s", err, q)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := duckdb.OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// appendSQL runs an "INSERT INTO <table> ..." statement through
// Store.AppendRows, as the output tables are not all DuckDB tables.
func appendSQL(s *duckdb.Store, q string) error {
	name, rest, _ := strings.Cut(strings.TrimPrefix(strings.TrimSpace(q), "INSERT INTO "), " ")
	for _, t := range schemas.Tables {
		if t.Name == name {
			return s.AppendRows(context.Background(), t, rest)
		}
	}
	return fmt.Errorf("no output table %q", name)
}
