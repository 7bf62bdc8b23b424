package duckdb

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestStateFiles commits three checkpoints of a partition and checks that one
// state file is left, that a file of an epoch that never committed is removed
// on Load, and that a damaged file is refused.
func TestStateFiles(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(filepath.Join(dir, FileName), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for n := int64(1); n <= 3; n++ {
		e := &Epoch{Source: "prices", Partition: 2, From: 10 * n, To: 10*n + 9,
			Checkpoint: Checkpoint{NextOffset: 10*n + 10, State: []byte(strings.Repeat("s", int(n))), Epochs: n}}
		if err := s.Commit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	sd := s.stateDir("prices", 2)
	files := func() []string {
		ents, _ := os.ReadDir(sd)
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		return names
	}
	if got := files(); !slices.Equal(got, []string{"e3.state"}) {
		t.Fatalf("state files after 3 commits: %v, want [e3.state]", got)
	}
	// An epoch written but not committed (the job died before the commit).
	if _, err := s.writeState("prices", 2, 4, []byte("uncommitted")); err != nil {
		t.Fatal(err)
	}
	c, ok, err := s.Load(ctx, "prices", 2)
	if err != nil || !ok || c.NextOffset != 40 || c.Epochs != 3 || string(c.State) != "sss" {
		t.Fatalf("Load = %+v, %v, %v; want offset 40, epoch 3, state sss", c, ok, err)
	}
	if got := files(); !slices.Equal(got, []string{"e3.state"}) {
		t.Fatalf("state files after Load: %v, want [e3.state]", got)
	}
	if err := os.WriteFile(filepath.Join(sd, "e3.state"), []byte("ssx"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Load(ctx, "prices", 2); err == nil || !strings.Contains(err.Error(), "is damaged") {
		t.Fatalf("Load of a damaged state file: %v, want an error saying it is damaged", err)
	}
	if _, ok, err := s.Load(ctx, "prices", 1); ok || err != nil {
		t.Fatalf("Load of a partition with no checkpoint = %v, %v", ok, err)
	}
}
