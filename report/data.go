package report

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"sort"
	"strconv"
)

// num is a float64 that is written to JSON as null when it is not finite
// (NaN or ±Inf cannot be JSON numbers).
type num float64

func (n num) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64), nil
}

// nullNum is a nullable number.
func nullNum(v sql.NullFloat64) *num {
	if !v.Valid {
		return nil
	}
	n := num(v.Float64)
	return &n
}

// data is everything the page draws, written into it as JSON. Times are
// milliseconds since the epoch, UTC.
type data struct {
	Title     string        `json:"title"`
	Attribute string        `json:"attribute"`
	Overlay   []string      `json:"overlay"`
	Window    windowChoice  `json:"window"`
	Detectors []string      `json:"detectors"`
	Hourly    [][3]any      `json:"hourly"` // [hour, detector, count]
	Totals    []tableCount  `json:"totals"`
	ByDet     []detCount    `json:"byDetector"`
	Range     [2]int64      `json:"range"` // [min, max] of the times of bars and anomalies
	hist      [2]int64      // [min, max] of the history's times
	Instr     []*instrument `json:"instruments"`
}

type tableCount struct {
	Table string `json:"table"`
	Rows  int64  `json:"rows"`
}

type detCount struct {
	Detector    string `json:"detector"`
	Anomalies   int64  `json:"anomalies"`
	Instruments int64  `json:"instruments"`
}

// windowChoice is which window_bars rows the price charts draw: the
// shortest windows of the preferred kind (tumbling, then hopping, then
// session, whose lengths vary).
type windowChoice struct {
	Kind     string `json:"kind"`
	LengthMs int64  `json:"lengthMs"` // 0 for sessions: every length
}

type instrument struct {
	ID        string       `json:"id"`
	Anomalies int64        `json:"anomalyCount"`
	Bars      [][8]any     `json:"bars"` // [start, end, open, high, low, close, count, volume]
	Marks     []mark       `json:"anomalies"`
	History   []attrSeries `json:"history"`
}

// mark is one anomaly, placed at Y on the price axis: the observed value
// for anomalies of the charted attribute, else the close of its window.
type mark struct {
	T         int64  `json:"t"`
	Detector  string `json:"detector"`
	Attribute string `json:"attribute"`
	Observed  num    `json:"observed"`
	Expected  num    `json:"expected"`
	Threshold num    `json:"threshold"`
	Score     num    `json:"score"`
	Reason    string `json:"reason"`
	Y         *num   `json:"y"`
}

// attrSeries is the interval history of one attribute.
type attrSeries struct {
	Attribute string     `json:"attribute"`
	Numeric   bool       `json:"numeric"` // every value is a number or null
	Intervals []interval `json:"intervals"`
}

type interval struct {
	From int64   `json:"from"`
	To   *int64  `json:"to"` // nil while current
	Num  *num    `json:"num"`
	Str  *string `json:"str"`
	Op   string  `json:"op"`
}

// load reads what the report draws.
func load(ctx context.Context, db *sql.DB, o Options) (*data, error) {
	d := &data{Title: o.Title, Attribute: o.Attribute, Overlay: o.Overlay, Detectors: []string{}, Hourly: [][3]any{}, Instr: []*instrument{}}
	if err := d.loadSummary(ctx, db); err != nil {
		return nil, err
	}
	ids := o.Instruments
	if len(ids) == 0 {
		var err error
		if ids, err = topInstruments(ctx, db, o.Attribute, o.TopN); err != nil {
			return nil, err
		}
	}
	if err := d.chooseWindow(ctx, db); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		in, err := d.loadInstrument(ctx, db, id)
		if err != nil {
			return nil, err
		}
		d.Instr = append(d.Instr, in)
	}
	d.fixRange()
	return d, nil
}

func (d *data) loadSummary(ctx context.Context, db *sql.DB) error {
	for _, t := range []string{"window_bars", "anomalies", "attr_history", "late_events", "dead_letters"} {
		var n int64
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+t).Scan(&n); err != nil {
			return fmt.Errorf("report: cannot count %s (not a pricewatch output?): %w", t, err)
		}
		d.Totals = append(d.Totals, tableCount{t, n})
	}
	rows, err := db.QueryContext(ctx, `SELECT detector, count(*), count(DISTINCT instrument_id)
		FROM anomalies GROUP BY detector ORDER BY detector`)
	if err != nil {
		return fmt.Errorf("report: cannot read anomalies: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c detCount
		if err := rows.Scan(&c.Detector, &c.Anomalies, &c.Instruments); err != nil {
			return fmt.Errorf("report: cannot read anomalies: %w", err)
		}
		d.ByDet = append(d.ByDet, c)
		d.Detectors = append(d.Detectors, c.Detector)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("report: cannot read anomalies: %w", err)
	}
	rows.Close()

	rows, err = db.QueryContext(ctx, `SELECT epoch_ms(date_trunc('hour', event_time)) AS h, detector, count(*)
		FROM anomalies GROUP BY ALL ORDER BY h, detector`)
	if err != nil {
		return fmt.Errorf("report: cannot count anomalies by hour: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var h, n int64
		var det string
		if err := rows.Scan(&h, &det, &n); err != nil {
			return fmt.Errorf("report: cannot count anomalies by hour: %w", err)
		}
		d.Hourly = append(d.Hourly, [3]any{h, det, n})
		d.widen(h)
		d.widen(h + 3600_000)
	}
	return rows.Err()
}

// topInstruments returns the n instruments with the most anomalies (ties by
// id), then, when fewer have any, those with the most window bars.
func topInstruments(ctx context.Context, db *sql.DB, attribute string, n int) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT instrument_id FROM (
			SELECT instrument_id, count(*) AS n, 0 AS rank FROM anomalies GROUP BY instrument_id
			UNION ALL
			SELECT instrument_id, count(*), 1 FROM window_bars WHERE attribute = ? GROUP BY instrument_id)
		QUALIFY row_number() OVER (PARTITION BY instrument_id ORDER BY rank) = 1
		ORDER BY rank, n DESC, instrument_id LIMIT ?`, attribute, n)
	if err != nil {
		return nil, fmt.Errorf("report: cannot choose instruments: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("report: cannot choose instruments: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

func (d *data) chooseWindow(ctx context.Context, db *sql.DB) error {
	err := db.QueryRowContext(ctx, `SELECT kind, len FROM (
			SELECT DISTINCT window_kind AS kind, epoch_ms(window_end) - epoch_ms(window_start) AS len
			FROM window_bars WHERE attribute = ?)
		ORDER BY kind <> 'tumbling', kind <> 'hopping', len, kind LIMIT 1`,
		d.Attribute).Scan(&d.Window.Kind, &d.Window.LengthMs)
	if err == sql.ErrNoRows {
		d.Window = windowChoice{Kind: "tumbling"}
		return nil
	}
	if err != nil {
		return fmt.Errorf("report: cannot read window_bars: %w", err)
	}
	if d.Window.Kind != "tumbling" && d.Window.Kind != "hopping" {
		d.Window.LengthMs = 0
	}
	return nil
}

func (d *data) loadInstrument(ctx context.Context, db *sql.DB, id string) (*instrument, error) {
	in := &instrument{ID: id, Bars: [][8]any{}, Marks: []mark{}, History: []attrSeries{}}
	if err := d.loadBars(ctx, db, in); err != nil {
		return nil, err
	}
	if err := d.loadMarks(ctx, db, in); err != nil {
		return nil, err
	}
	if err := d.loadHistory(ctx, db, in); err != nil {
		return nil, err
	}
	if len(in.Bars) == 0 && len(in.Marks) == 0 && len(in.History) == 0 {
		return nil, fmt.Errorf("report: instrument %q has no rows in window_bars, anomalies or attr_history", id)
	}
	return in, nil
}

func (d *data) loadBars(ctx context.Context, db *sql.DB, in *instrument) error {
	q := `SELECT epoch_ms(window_start), epoch_ms(window_end), open, high, low, close, count, volume
		FROM window_bars WHERE instrument_id = ? AND attribute = ? AND window_kind = ?`
	args := []any{in.ID, d.Attribute, d.Window.Kind}
	if d.Window.LengthMs > 0 {
		q += ` AND epoch_ms(window_end) - epoch_ms(window_start) = ?`
		args = append(args, d.Window.LengthMs)
	}
	// The final result of each window: not early, the last revision.
	q += ` QUALIFY row_number() OVER (PARTITION BY window_start, window_end
			ORDER BY early, revision DESC, src_partition DESC, src_offset DESC) = 1
		ORDER BY window_start, window_end`
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("report: cannot read window_bars of %q: %w", in.ID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var start, end, count int64
		var open, high, low, cls, vol float64
		if err := rows.Scan(&start, &end, &open, &high, &low, &cls, &count, &vol); err != nil {
			return fmt.Errorf("report: cannot read window_bars of %q: %w", in.ID, err)
		}
		in.Bars = append(in.Bars, [8]any{start, end, num(open), num(high), num(low), num(cls), count, num(vol)})
		d.widen(start)
		d.widen(end)
	}
	return rows.Err()
}

func (d *data) loadMarks(ctx context.Context, db *sql.DB, in *instrument) error {
	rows, err := db.QueryContext(ctx, `SELECT epoch_ms(event_time), detector, attribute, observed, expected, threshold, score, reason
		FROM anomalies WHERE instrument_id = ?
		ORDER BY event_time, detector, attribute, src_partition, src_offset, reason`, in.ID)
	if err != nil {
		return fmt.Errorf("report: cannot read anomalies of %q: %w", in.ID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var m mark
		var obs, exp, thr, score float64
		if err := rows.Scan(&m.T, &m.Detector, &m.Attribute, &obs, &exp, &thr, &score, &m.Reason); err != nil {
			return fmt.Errorf("report: cannot read anomalies of %q: %w", in.ID, err)
		}
		m.Observed, m.Expected, m.Threshold, m.Score = num(obs), num(exp), num(thr), num(score)
		m.Y = in.markY(m, d.Attribute)
		in.Marks = append(in.Marks, m)
		d.widen(m.T)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	in.Anomalies = int64(len(in.Marks))
	return nil
}

// markY places an anomaly on the price axis: at its observed value when it
// is about the charted attribute and finite, else at the close of the
// window it fell in (or the last window before it, or the first after).
func (in *instrument) markY(m mark, attribute string) *num {
	if f := float64(m.Observed); m.Attribute == attribute && !math.IsNaN(f) && !math.IsInf(f, 0) {
		y := m.Observed
		return &y
	}
	if len(in.Bars) == 0 {
		return nil
	}
	i := sort.Search(len(in.Bars), func(i int) bool { return in.Bars[i][0].(int64) > m.T })
	if i > 0 {
		i--
	}
	y := in.Bars[i][5].(num)
	return &y
}

func (d *data) loadHistory(ctx context.Context, db *sql.DB, in *instrument) error {
	rows, err := db.QueryContext(ctx, `SELECT attribute, epoch_ms(valid_from), epoch_ms(valid_to), value_num, value_str, op
		FROM attr_history WHERE instrument_id = ? AND attribute <> ?
		ORDER BY attribute, valid_from, emit_offset`, in.ID, d.Attribute)
	if err != nil {
		return fmt.Errorf("report: cannot read attr_history of %q: %w", in.ID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var attr, op string
		var from int64
		var to sql.NullInt64
		var vn sql.NullFloat64
		var vs sql.NullString
		if err := rows.Scan(&attr, &from, &to, &vn, &vs, &op); err != nil {
			return fmt.Errorf("report: cannot read attr_history of %q: %w", in.ID, err)
		}
		if n := len(in.History); n == 0 || in.History[n-1].Attribute != attr {
			in.History = append(in.History, attrSeries{Attribute: attr, Numeric: true})
		}
		s := &in.History[len(in.History)-1]
		iv := interval{From: from, Num: nullNum(vn), Op: op}
		if to.Valid {
			t := to.Int64
			iv.To = &t
			widen(&d.hist, t)
		}
		if vs.Valid {
			str := vs.String
			iv.Str = &str
			s.Numeric = false
		}
		s.Intervals = append(s.Intervals, iv)
		widen(&d.hist, from)
	}
	return rows.Err()
}

// widen extends the time range drawn to t.
func (d *data) widen(t int64) { widen(&d.Range, t) }

func widen(r *[2]int64, t int64) {
	if *r == [2]int64{} {
		*r = [2]int64{t, t}
		return
	}
	r[0] = min(r[0], t)
	r[1] = max(r[1], t)
}

// fixRange sets the range drawn: that of the bars and anomalies (history
// intervals are clipped to it), else that of the history; an empty or
// zero-length range is made one hour long.
func (d *data) fixRange() {
	if d.Range == [2]int64{} {
		d.Range = d.hist
	}
	if d.Range[1] <= d.Range[0] {
		d.Range[1] = d.Range[0] + 3600_000
	}
}
