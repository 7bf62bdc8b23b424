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

// Size returns the total size in bytes of the files.
func Size(paths []string) (int64, error) {
	var n int64
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return 0, fmt.Errorf("files: cannot open %q: %w", p, err)
		}
		n += st.Size()
	}
	return n, nil
}

// Lines calls fn with every line of the files, in order, that is not blank.
// Gzip-compressed files are recognised by their magic bytes. The slice passed
// to fn is valid only during the call. A line may be up to 16 MiB long.
func Lines(paths []string, fn func(line []byte) error) error {
	return LinesProgress(paths, nil, fn)
}

// LinesProgress is Lines, also writing every byte read from the files (before
// decompression) to progress when it is not nil.
func LinesProgress(paths []string, progress io.Writer, fn func(line []byte) error) error {
	for _, p := range paths {
		if err := fileLines(p, progress, fn); err != nil {
			return err
		}
	}
	return nil
}

func fileLines(path string, progress io.Writer, fn func([]byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("files: cannot open %q: %w", path, err)
	}
	defer f.Close()
	var src io.Reader = f
	if progress != nil {
		src = io.TeeReader(f, progress)
	}
	// A plain file is read by the scanner straight into its buffer; only a
	// gzip stream gets a buffered reader in front of its decompressor.
	r := src
	var magic [2]byte
	if n, _ := f.ReadAt(magic[:], 0); n == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(bufio.NewReaderSize(src, 1<<20))
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
