package duckdb

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// SnapshotChange is one attribute of one instrument whose value differs
// between two snapshots. A NULL on one side is "".
type SnapshotChange struct {
	InstrumentID, Attribute string
	From, To                sql.NullString
}

// SnapshotDiff compares the state of every instrument in the snapshot table
// at the last snapshot ending at or before from with the last one ending at
// or before to, attribute by attribute. It returns the two snapshot times it
// compared and the changes, sorted by instrument and attribute.
func SnapshotDiff(ctx context.Context, db *sql.DB, table string, from, to time.Time) (time.Time, time.Time, []SnapshotChange, error) {
	var at [2]sql.NullTime
	for i, t := range []time.Time{from, to} {
		q := fmt.Sprintf("SELECT max(window_end) FROM %s WHERE window_end <= ?", table)
		if err := db.QueryRowContext(ctx, q, t.UTC()).Scan(&at[i]); err != nil {
			return time.Time{}, time.Time{}, nil, fmt.Errorf("duckdb: cannot read %s: %w", table, err)
		}
		if !at[i].Valid {
			return time.Time{}, time.Time{}, nil, fmt.Errorf("duckdb: %s has no snapshot at or before %s", table, t.UTC().Format(time.RFC3339))
		}
	}
	meta := "instrument_id, window_start, window_end, src_partition, src_offset, emit_offset"
	side := func(n int) string {
		return fmt.Sprintf(`(UNPIVOT (SELECT instrument_id, COLUMNS(* EXCLUDE (%s))::VARCHAR FROM %s WHERE window_end = $%d)
			ON COLUMNS(* EXCLUDE (instrument_id)) INTO NAME attribute VALUE value)`, meta, table, n)
	}
	q := fmt.Sprintf(`SELECT coalesce(a.instrument_id, b.instrument_id) AS id, coalesce(a.attribute, b.attribute) AS attr,
			a.value, b.value
		FROM %s a FULL OUTER JOIN %s b USING (instrument_id, attribute)
		WHERE a.value IS DISTINCT FROM b.value
		ORDER BY id, attr`, side(1), side(2))
	rows, err := db.QueryContext(ctx, q, at[0].Time, at[1].Time)
	if err != nil {
		return time.Time{}, time.Time{}, nil, fmt.Errorf("duckdb: cannot compare snapshots: %w", err)
	}
	defer rows.Close()
	var out []SnapshotChange
	for rows.Next() {
		var c SnapshotChange
		if err := rows.Scan(&c.InstrumentID, &c.Attribute, &c.From, &c.To); err != nil {
			return time.Time{}, time.Time{}, nil, err
		}
		out = append(out, c)
	}
	return at[0].Time, at[1].Time, out, rows.Err()
}
