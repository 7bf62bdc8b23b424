package history

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/history/golden")

const (
	examples = "../jobs/examples"
	testdata = "../testdata/history"
)

// The article's worked example: instrument 1000 (홍길동사, HONG, 100 shares,
// issued 2025-12-31, issue price 6000, par value 5000, base price 16000);
// on 2026-01-15 the base price changes from 16000 to 17000.
const (
	master17000 = "1000 | 홍길동사 | HONG | 100 | 2025-12-31 | 6000 | 5000 | 17000"
	state16000  = "1000 | 홍길동사 | HONG | 100 | 2025-12-31 | 6000 | 5000 | 16000"
	state17000  = master17000
)

func articleStore(t *testing.T, s Spec) *store {
	t.Helper()
	st := openStore(t, s)
	st.run(readEvents(t, filepath.Join(testdata, "article.jsonl")), 1)
	return st
}

// TestArticleEveryMethod feeds the worked example through the example config
// of every method and compares every table with its golden file, and the
// shipped macros with the article's states.
func TestArticleEveryMethod(t *testing.T) {
	for m := 1; m <= 10; m++ {
		t.Run(fmt.Sprintf("method%02d", m), func(t *testing.T) {
			s := loadExample(t, filepath.Join(examples, fmt.Sprintf("history-method-%02d.yaml", m)))
			st := articleStore(t, s)
			golden(t, fmt.Sprintf("method-%02d.txt", m), st.dump())
			equalLines(t, "instrument_as_of('2026-01-14')", st.query("SELECT * FROM instrument_as_of('2026-01-14')"), []string{state16000})
			equalLines(t, "instrument_as_of('2026-01-15')", st.query("SELECT * FROM instrument_as_of('2026-01-15')"), []string{state17000})
			equalLines(t, "instrument_as_of('2025-12-30')", st.query("SELECT * FROM instrument_as_of('2025-12-30')"), nil)
			equalLines(t, "instrument_current", st.query("SELECT * FROM instrument_current"), []string{state17000})
			equalLines(t, "instrument_changes", st.query("SELECT * FROM instrument_changes('2026-01-01', '2026-02-01')"),
				[]string{"1000 | base_price | 2026-01-15 | 16000.0 | 17000.0"})
			equalLines(t, "instrument_attr_log('base_price')", st.query("SELECT * FROM instrument_attr_log('base_price')"),
				[]string{"1000 | 2025-12-31 | NULL | 16000.0", "1000 | 2026-01-15 | 16000.0 | 17000.0"})
			equalLines(t, "instrument_as_known", st.query("SELECT * FROM instrument_as_known('2026-01-20', '2026-01-14')"), []string{state16000})
		})
	}
}

// TestArticleRows checks the article's own rows column by column.
func TestArticleRows(t *testing.T) {
	load := func(t *testing.T, n int, edit func(*Spec)) *store {
		s := loadExample(t, filepath.Join(examples, fmt.Sprintf("history-method-%02d.yaml", n)))
		if edit != nil {
			edit(&s)
			if err := s.Validate(); err != nil {
				t.Fatal(err)
			}
		}
		return articleStore(t, s)
	}
	t.Run("method 8: master and price history (figure 2)", func(t *testing.T) {
		st := load(t, 8, nil)
		equalLines(t, "instrument", st.query(`SELECT instrument_id, kr_short_name, en_short_name, shares_issued, issue_date,
			issue_price, par_value, base_price FROM instrument`), []string{master17000})
		equalLines(t, "instrument_price_hist", st.query(`SELECT instrument_id, changed_at, issue_price, par_value, base_price
			FROM instrument_price_hist`), []string{"1000 | 2026-01-15 | 6000 | 5000 | 16000"})
		equalLines(t, "instrument_name_hist", st.query("SELECT * FROM instrument_name_hist"), nil)
		// Each layout ships its own macro over its attributes.
		equalLines(t, "instrument_price_hist_as_of", st.query("SELECT * FROM instrument_price_hist_as_of('2026-01-14')"),
			[]string{"1000 | 6000 | 5000 | 16000"})
		equalLines(t, "instrument_name_hist_timeline", st.query("SELECT attribute, valid_from, valid_to::VARCHAR, value_str FROM instrument_name_hist_timeline ORDER BY attribute"),
			[]string{"en_short_name | 2025-12-31 | infinity | HONG", "kr_short_name | 2025-12-31 | infinity | 홍길동사"})
	})
	t.Run("method 10: snapshot rows", func(t *testing.T) {
		st := load(t, 10, nil)
		equalLines(t, "instrument_price", st.query("SELECT instrument_id, par_value, base_price FROM instrument_price"), []string{"1000 | 5000 | 17000"})
		equalLines(t, "instrument_price_hist", st.query("SELECT instrument_id, changed_at, par_value, base_price FROM instrument_price_hist"),
			[]string{"1000 | 2026-01-15 | 5000 | 16000"})
		equalLines(t, "instrument", st.query(`SELECT instrument_id, kr_short_name, en_short_name, shares_issued, issue_date, issue_price
			FROM instrument`), []string{"1000 | 홍길동사 | HONG | 100 | 2025-12-31 | 6000"})
	})
	t.Run("method 10: changed-only rows", func(t *testing.T) {
		st := load(t, 10, func(s *Spec) { s.Layouts[0].Rows = "changed" })
		equalLines(t, "instrument_price_hist", st.query("SELECT instrument_id, changed_at, par_value, base_price, changed_attrs FROM instrument_price_hist"),
			[]string{"1000 | 2026-01-15 | NULL | 16000 | base_price"})
		equalLines(t, "instrument_as_of", st.query("SELECT * FROM instrument_as_of('2026-01-14')"), []string{state16000})
	})
	t.Run("method 10: post-change values", func(t *testing.T) {
		st := load(t, 10, func(s *Spec) { s.Layouts[0].Values = "after" })
		equalLines(t, "instrument_price_hist", st.query("SELECT instrument_id, changed_at, par_value, base_price FROM instrument_price_hist ORDER BY changed_at"),
			[]string{"1000 | 2025-12-31 | 5000 | 16000", "1000 | 2026-01-15 | 5000 | 17000"})
	})
	t.Run("method 10: post-change changed-only values", func(t *testing.T) {
		st := load(t, 10, func(s *Spec) { s.Layouts[0].Values, s.Layouts[0].Rows = "after", "changed" })
		equalLines(t, "instrument_price_hist", st.query("SELECT instrument_id, changed_at, par_value, base_price FROM instrument_price_hist ORDER BY changed_at"),
			[]string{"1000 | 2025-12-31 | 5000 | 16000", "1000 | 2026-01-15 | NULL | 17000"})
	})
	t.Run("method 8: interval rows before the change", func(t *testing.T) {
		st := load(t, 8, func(s *Spec) { s.Layouts[0].Grain = "interval" })
		equalLines(t, "instrument_price_hist", st.query("SELECT instrument_id, valid_from, valid_to, issue_price, par_value, base_price FROM instrument_price_hist"),
			[]string{"1000 | 2025-12-31 | 2026-01-15 | 6000 | 5000 | 16000"})
	})
	t.Run("method 9: interval rows, open end 9999-12-31", func(t *testing.T) {
		st := load(t, 9, func(s *Spec) { s.Layouts[0].Grain, s.Layouts[0].OpenEnd = "interval", "9999-12-31" })
		equalLines(t, "instrument_price", st.query("SELECT instrument_id, valid_from, valid_to, par_value, base_price FROM instrument_price ORDER BY valid_from"),
			[]string{"1000 | 2025-12-31 | 2026-01-15 | 5000 | 16000", "1000 | 2026-01-15 | 9999-12-31 | 5000 | 17000"})
		equalLines(t, "instrument_as_of", st.query("SELECT * FROM instrument_as_of('9999-12-31')"), []string{state17000})
	})
	t.Run("method 1: interval rows, open end NULL", func(t *testing.T) {
		st := load(t, 1, func(s *Spec) { s.Layouts[0].Grain = "interval" })
		equalLines(t, "instrument_hist", st.query("SELECT instrument_id, valid_from, valid_to, base_price FROM instrument_hist ORDER BY valid_from"),
			[]string{"1000 | 2025-12-31 | 2026-01-15 | 16000", "1000 | 2026-01-15 | NULL | 17000"})
	})
	t.Run("method 6 and 7: code tables", func(t *testing.T) {
		st := load(t, 6, nil)
		equalLines(t, "instrument_attr_code", st.query("SELECT * FROM instrument_attr_code WHERE attr_name = 'base_price'"), []string{"160 | base_price"})
		st = load(t, 7, nil)
		equalLines(t, "hist_entity", st.query("SELECT * FROM hist_entity ORDER BY entity_no"), []string{
			"1 | instrument | instrument_id", "2 | instrument_name | instrument_id", "3 | instrument_price | instrument_id"})
		equalLines(t, "attr_integrated_hist", st.query(`SELECT e.entity_name, h.entity_key, c.attr_name, h.changed_at, h.old_value_num, h.new_value_num
			FROM attr_integrated_hist h JOIN hist_entity e USING (entity_no) JOIN hist_attr_code c USING (entity_no, attr_code)`),
			[]string{"instrument_price | 1000 | base_price | 2026-01-15 | 16000 | 17000"})
	})
}

// golden compares text with a golden file, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join(testdata, "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./history -run %s -update to write it)", err, t.Name())
	}
	if got != string(want) {
		equalLines(t, path, strings.Split(got, "\n"), strings.Split(string(want), "\n"))
	}
}
