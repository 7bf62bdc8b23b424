package detectors

import (
	"syscall"
	"time"
)

// threadCPU returns the CPU time used by the calling OS thread, so that
// benchmarks can report CPU time per op next to wall time, which is
// meaningless on a busy machine. The caller locks its OS thread.
func threadCPU() (time.Duration, bool) {
	const rusageThread = 1 // RUSAGE_THREAD
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
