//go:build unix

package admission

import "syscall"

// cpuSeconds is the user+system CPU time of this process so far: on a
// shared machine it measures compute where wall time also counts waiting.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
