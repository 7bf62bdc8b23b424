package parquet

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"pricewatch/schemas"
)

// TestEnsureSchemaFile writes a table's schema file once, accepts it again,
// and refuses a folder whose schema file has other columns (one written by
// another version), saying which.
func TestEnsureSchemaFile(t *testing.T) {
	root := t.TempDir()
	for range 2 {
		if err := EnsureSchemaFile(root, "late_events", schemas.LateEvents.Schema); err != nil {
			t.Fatal(err)
		}
	}
	older := arrow.NewSchema(append([]arrow.Field{}, schemas.LateEvents.Schema.Fields()[:2]...), nil)
	oldRoot := t.TempDir()
	if err := EnsureSchemaFile(oldRoot, "late_events", older); err != nil {
		t.Fatal(err)
	}
	err := EnsureSchemaFile(oldRoot, "late_events", schemas.LateEvents.Schema)
	if err == nil || !strings.Contains(err.Error(), `no column "window_kind"`) || !strings.Contains(err.Error(), "use a new output folder") {
		t.Fatalf("err = %v", err)
	}
	for _, s := range []*arrow.Schema{schemas.WindowBars.Schema, schemas.Anomalies.Schema} {
		if d := columnsDiffer(s, s); d != "" {
			t.Errorf("a schema differs from itself: %s", d)
		}
	}
	if d := columnsDiffer(schemas.WindowBars.Schema, schemas.Anomalies.Schema); d == "" {
		t.Error("window_bars and anomalies have the same columns")
	}
}
