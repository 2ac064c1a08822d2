//go:build !linux

package sandbox

import (
	"runtime/debug"
	"syscall"
	"time"
)

const workerCPULimit = 2 * time.Hour

// applyWorkerLimits sets what this system allows portably: a soft memory
// limit and CPU time. Address-space and descriptor limits are Linux-only.
func applyWorkerLimits(l Limits) error {
	debug.SetMemoryLimit(l.MemoryBudget + 128<<20)
	cpu := uint64(workerCPULimit / time.Second)
	return syscall.Setrlimit(syscall.RLIMIT_CPU, &syscall.Rlimit{Cur: cpu, Max: cpu + 10})
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func processRSS(int) int64 { return 0 }

func procStatus(string) int64 { return 0 }

func workerSysProcAttr(bool) *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

func canUnshareNet() bool { return false }
