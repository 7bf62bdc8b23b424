package duckdb

import (
	"fmt"
	"hash/crc32"
	"hash/fnv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// A lane's checkpoint state (windows, detectors, history: a megabyte or more
// per lane) is written to a file of its own, and the DuckDB row that commits
// the epoch names it, with its length and CRC-32C. Writing it through DuckDB
// cost more than the rest of the transaction. The row is the commit: a state
// file that no row names is the leftover of an epoch that never committed, and
// a file older than the named one is no longer needed.
//
// Files live in <output>/state/<source>/partition=<p>/e<epochs>.state, where
// <source> is a hash of the source's name.

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// stateDir returns the folder of a source partition's state files.
func (s *Store) stateDir(source string, partition int32) string {
	h := fnv.New64a()
	h.Write([]byte(source))
	return filepath.Join(s.dir, "state", fmt.Sprintf("%016x", h.Sum64()), "partition="+strconv.Itoa(int(partition)))
}

func stateName(epochs int64) string { return "e" + strconv.FormatInt(epochs, 10) + ".state" }

// writeState writes a checkpoint's state durably (temporary name, fsync,
// rename) and returns its path relative to the output folder.
func (s *Store) writeState(source string, partition int32, epochs int64, state []byte) (string, error) {
	dir := s.stateDir(source, partition)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("duckdb: cannot create %q: %w", dir, err)
	}
	path := filepath.Join(dir, stateName(epochs))
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return "", fmt.Errorf("duckdb: cannot create %q: %w", tmp, err)
	}
	_, err = f.Write(state)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("duckdb: cannot write %q: %w", path, err)
	}
	rel, err := filepath.Rel(s.dir, path)
	if err != nil {
		return "", fmt.Errorf("duckdb: cannot write %q: %w", path, err)
	}
	return filepath.ToSlash(rel), nil
}

// readState reads a committed state file and checks its length and CRC.
func (s *Store) readState(rel string, size, crc int64) ([]byte, error) {
	path := filepath.Join(s.dir, filepath.FromSlash(rel))
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("duckdb: cannot read checkpoint state %q: %w", path, err)
	}
	if int64(len(b)) != size || int64(crc32.Checksum(b, castagnoli)) != crc {
		return nil, fmt.Errorf("duckdb: checkpoint state %q is damaged: %d bytes, CRC-32C %d; the commit says %d bytes, CRC-32C %d",
			path, len(b), crc32.Checksum(b, castagnoli), size, crc)
	}
	return b, nil
}

// pruneStates removes a source partition's state files other than the one
// of epoch keep: older ones are superseded, newer ones never committed.
func (s *Store) pruneStates(source string, partition int32, keep int64) error {
	dir := s.stateDir(source, partition)
	ents, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("duckdb: cannot list %q: %w", dir, err)
	}
	for _, e := range ents {
		name := e.Name()
		if name == stateName(keep) || !(strings.HasSuffix(name, ".state") || strings.HasSuffix(name, ".state.tmp")) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("duckdb: cannot remove %q: %w", name, err)
		}
	}
	return nil
}
