package jobs

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"reflect"
	"testing"
)

func frame(parts ...[]byte) []byte {
	b := []byte(laneMagic)
	for _, p := range parts {
		b = binary.LittleEndian.AppendUint64(b, uint64(len(p)))
		b = append(b, p...)
	}
	return b
}

func TestLaneStateRead(t *testing.T) {
	want := laneState{Windows: []byte("win"), Detectors: []byte("det"), History: []byte{}, Layouts: []byte("lay")}
	got, err := readLaneState(frame(want.Windows, want.Detectors, want.History, want.Layouts))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Windows, want.Windows) || !bytes.Equal(got.Detectors, want.Detectors) ||
		len(got.History) != 0 || !bytes.Equal(got.Layouts, want.Layouts) {
		t.Fatalf("read %q, want %q", got, want)
	}
	// A checkpoint of an earlier version (gob) still reads.
	var old bytes.Buffer
	if err := gob.NewEncoder(&old).Encode(&want); err != nil {
		t.Fatal(err)
	}
	if got, err = readLaneState(old.Bytes()); err != nil || !reflect.DeepEqual(got.Detectors, want.Detectors) || !bytes.Equal(got.Layouts, want.Layouts) {
		t.Fatalf("gob state read %q, %v", got, err)
	}
	good := frame(want.Windows, want.Detectors, want.History, want.Layouts)
	for _, bad := range [][]byte{good[:len(good)-1], append(good, 0), frame(want.Windows, want.Detectors)} {
		if _, err := readLaneState(bad); err == nil {
			t.Errorf("damaged state %q read without error", bad)
		}
	}
}

func FuzzReadLaneState(f *testing.F) {
	f.Add(frame([]byte("w"), []byte("d"), nil, []byte("l")))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := readLaneState(b)
		if err != nil || len(b) < len(laneMagic) || string(b[:len(laneMagic)]) != laneMagic {
			return
		}
		if again := frame(s.Windows, s.Detectors, s.History, s.Layouts); !bytes.Equal(again, b) {
			t.Fatalf("read and framed again: %q, was %q", again, b)
		}
	})
}
