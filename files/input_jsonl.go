// Package files reads archived input events: JSONL files, plain or gzip.
package files

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
)

// Lines calls fn with every line of the files, in order, that is not blank.
// Gzip-compressed files are recognised by their magic bytes. The slice passed
// to fn is valid only during the call. A line may be up to 16 MiB long.
func Lines(paths []string, fn func(line []byte) error) error {
	for _, p := range paths {
		if err := fileLines(p, fn); err != nil {
			return err
		}
	}
	return nil
}

func fileLines(path string, fn func([]byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("files: cannot open %q: %w", path, err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	var r io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("files: cannot read gzip %q: %w", path, err)
		}
		defer zr.Close()
		r = zr
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if err := fn(line); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("files: cannot read %q: %w", path, err)
	}
	return nil
}
