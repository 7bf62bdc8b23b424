// Package report writes the outputs of a pricewatch job as one
// self-contained HTML page of charts: the price of chosen instruments (the
// window bars' range and close) with their anomalies marked and explained
// on hover, ticks per window, the interval history of their reference
// attributes, and anomalies by detector per hour.
//
// The page embeds its charting library (Apache ECharts, see
// assets/README.md) and its data, so it works offline; the same outputs
// and Options give the same bytes.
package report

import (
	"bytes"
	"context"
	"database/sql"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// Options says what the report shows.
type Options struct {
	// Instruments to chart, in this order. Default: the TopN instruments
	// with the most anomalies (then those with the most window bars).
	Instruments []string
	// TopN is how many instruments the default choice takes. Default 6.
	TopN int
	// Title of the page. Default "pricewatch report".
	Title string
	// Attribute is the windowed attribute charted as the price. Default
	// "price".
	Attribute string
	// Overlay names the numeric reference attributes drawn as step lines
	// on the price chart. Default ["base_price"].
	Overlay []string
	// Generated, when not zero, is shown as the time the report was made.
	// It is left out by default so that a report depends only on the outputs.
	Generated time.Time
}

// DefaultTopN is the number of instruments a report charts by default.
const DefaultTopN = 6

func (o Options) withDefaults() Options {
	if o.TopN <= 0 {
		o.TopN = DefaultTopN
	}
	if o.Title == "" {
		o.Title = "pricewatch report"
	}
	if o.Attribute == "" {
		o.Attribute = "price"
	}
	if o.Overlay == nil {
		o.Overlay = []string{"base_price"}
	}
	return o
}

// The charting library and the page's own script and style.
var (
	//go:embed assets/echarts.common.min.js
	echartsJS string
	//go:embed assets/report.js
	reportJS string
	//go:embed assets/report.css
	reportCSS string
	//go:embed assets/report.html.tmpl
	pageTemplate string
)

// EChartsVersion is the version of the embedded Apache ECharts.
const EChartsVersion = "6.1.0"

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"time":  formatTime,
	"num":   formatNum,
	"score": func(n num) string { return strconv.FormatFloat(float64(n), 'f', 2, 64) },
}).Parse(pageTemplate))

// formatTime writes epoch milliseconds as a UTC time.
func formatTime(ms int64) string {
	t := time.UnixMilli(ms).UTC()
	if t.Nanosecond() == 0 {
		return t.Format("2006-01-02 15:04:05")
	}
	return t.Format("2006-01-02 15:04:05.000")
}

// formatNum writes a number with thousands separators and at most six
// decimals, as the page's script does.
func formatNum(n num) string {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	s := strconv.FormatFloat(math.Abs(f), 'f', -1, 64)
	if r := strconv.FormatFloat(math.Abs(f), 'f', 6, 64); len(r) < len(s) {
		s = strings.TrimRight(strings.TrimRight(r, "0"), ".")
	}
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if f < 0 {
		b.WriteByte('-')
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if frac != "" {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}

// pageData is what the page template fills in.
type pageData struct {
	Title     string
	Generated string
	Data      *data
	JSON      template.JS
	Library   template.JS
	Script    template.JS
	Style     template.CSS
	Version   string
}

// Write writes the report of the outputs in db (a pricewatch DuckDB output,
// opened read-only) to w.
func Write(ctx context.Context, db *sql.DB, w io.Writer, opts Options) error {
	o := opts.withDefaults()
	d, err := load(ctx, db, o)
	if err != nil {
		return err
	}
	js, err := json.Marshal(d) // escapes <, > and &: safe inside a script element
	if err != nil {
		return fmt.Errorf("report: cannot encode data: %w", err)
	}
	p := pageData{
		Title:   o.Title,
		Data:    d,
		JSON:    template.JS(js),
		Library: template.JS(echartsJS),
		Script:  template.JS(reportJS),
		Style:   template.CSS(reportCSS),
		Version: EChartsVersion,
	}
	if !o.Generated.IsZero() {
		p.Generated = o.Generated.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	var b bytes.Buffer
	if err := page.Execute(&b, p); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("report: cannot write: %w", err)
	}
	return nil
}
