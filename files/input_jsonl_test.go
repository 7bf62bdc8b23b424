package files

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestLines reads a plain and a gzip file in order: blank lines are skipped,
// CRLF line ends are taken off, a last line without a newline is read, and progress gets every byte of the
// files as they are on disk.
func TestLines(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "a.jsonl")
	if err := os.WriteFile(plain, []byte("{\"a\":1}\n\n  \r\n{\"a\":2}\r\n{\"a\":3}"), 0o644); err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("{\"b\":1}\n" + strings.Repeat("x", 3<<20) + "\n{\"b\":2}\n"))
	zw.Close()
	zipped := filepath.Join(dir, "b.jsonl.gz")
	if err := os.WriteFile(zipped, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var got []string
	var progress bytes.Buffer
	err := LinesProgress([]string{plain, zipped}, &progress, func(line []byte) error {
		got = append(got, string(line[:min(len(line), 8)]))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`{"a":1}`, `{"a":2}`, `{"a":3}`, `{"b":1}`, "xxxxxxxx", `{"b":2}`}
	if !slices.Equal(got, want) {
		t.Errorf("lines %q, want %q", got, want)
	}
	size, err := Size([]string{plain, zipped})
	if err != nil {
		t.Fatal(err)
	}
	if int64(progress.Len()) != size {
		t.Errorf("progress got %d bytes, the files have %d", progress.Len(), size)
	}
}

func TestLinesMissingFile(t *testing.T) {
	err := Lines([]string{filepath.Join(t.TempDir(), "none.jsonl")}, func([]byte) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "files: cannot open") {
		t.Fatalf("err = %v", err)
	}
}
