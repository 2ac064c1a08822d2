//go:build linux

package sandbox

import (
	"bytes"
	"os"
	"runtime/debug"
	"strconv"
	"syscall"
	"time"
)

// workerCPULimit is the CPU time a worker process may use in its life
// (RLIMIT_CPU): a backstop behind the host's wall-clock kill. The pool
// retires a worker at half of it.
const workerCPULimit = 2 * time.Hour

// workerNice is a worker's scheduling priority (the host's is usually 0).
const workerNice = 10

// applyWorkerLimits sets the OS limits of a worker before it runs tenant
// code: address space (the Go heap cannot outgrow the memory budget by much;
// not under the race detector, whose shadow memory is terabytes of address
// space), CPU time, no core files, no file writes, and no new file
// descriptors at all (so no socket and no file can be opened: the network is
// reached through the host only).
func applyWorkerLimits(l Limits) error {
	// What needs a descriptor later is set up now: the time zone, and the
	// runtime's poller, which the first timer creates.
	_ = time.Local.String()
	time.AfterFunc(time.Hour, func() {}).Stop()
	debug.SetMemoryLimit(l.MemoryBudget + 128<<20)
	if !raceEnabled {
		vm := procStatus("VmSize:")
		as := uint64(vm) + 2*uint64(l.MemoryBudget) + 256<<20
		if err := setrlimit(syscall.RLIMIT_AS, as); err != nil {
			return err
		}
	}
	// Below the host in the scheduler: a busy worker does not slow the
	// vault's own requests.
	if err := niceAllThreads(); err != nil {
		return err
	}
	cpu := uint64(workerCPULimit / time.Second)
	if err := syscall.Setrlimit(syscall.RLIMIT_CPU, &syscall.Rlimit{Cur: cpu, Max: cpu + 10}); err != nil {
		return err
	}
	for _, r := range []int{syscall.RLIMIT_CORE, syscall.RLIMIT_FSIZE} {
		if err := setrlimit(r, 0); err != nil {
			return err
		}
	}
	return closeFileTable()
}

// niceAllThreads lowers the priority of every thread of the process (Linux
// keeps a nice value per thread; threads started later inherit it from the
// thread that starts them, by then all lowered).
func niceAllThreads() error {
	for range 2 { // threads started while the first pass ran
		tasks, err := os.ReadDir("/proc/self/task")
		if err != nil {
			return err
		}
		for _, task := range tasks {
			if tid, err := strconv.Atoi(task.Name()); err == nil {
				if err := syscall.Setpriority(syscall.PRIO_PROCESS, tid, workerNice); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func setrlimit(resource int, v uint64) error {
	return syscall.Setrlimit(resource, &syscall.Rlimit{Cur: v, Max: v})
}

// closeFileTable fills every free descriptor number below the highest one
// in use and then lowers RLIMIT_NOFILE to it, so that no new descriptor can
// be created.
func closeFileTable() error {
	maxFD := -1
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return err
	}
	for _, e := range entries {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > maxFD {
			maxFD = fd
		}
	}
	for {
		fd, err := syscall.Open("/dev/null", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != nil {
			return err
		}
		if fd > maxFD {
			syscall.Close(fd)
			break
		}
	}
	return setrlimit(syscall.RLIMIT_NOFILE, uint64(maxFD+1))
}

// procStatus reads a size field (in kB) of /proc/self/status, in bytes.
func procStatus(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	return statusField(b, field)
}

func statusField(b []byte, field string) int64 {
	i := bytes.Index(b, []byte(field))
	if i < 0 {
		return 0
	}
	line := b[i+len(field):]
	if j := bytes.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	line = bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSpace(line), []byte("kB")))
	n, _ := strconv.ParseInt(string(line), 10, 64)
	return n << 10
}

// processCPU is the CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// processRSS is the resident memory of process pid, 0 when unknown.
func processRSS(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/statm")
	if err != nil {
		return 0
	}
	f := bytes.Fields(b)
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(string(f[1]), 10, 64)
	return pages * int64(os.Getpagesize())
}

// workerSysProcAttr starts a worker in its own process group (a terminal's
// ^C reaches the host, which shuts workers down), killed with its parent,
// and in a new network namespace with no interface up when netns is set.
func workerSysProcAttr(netns bool) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if netns {
		a.Cloneflags = syscall.CLONE_NEWNET
	}
	return a
}

// canUnshareNet reports whether workers may get a network namespace:
// creating one needs CAP_SYS_ADMIN, so only a root host tries.
func canUnshareNet() bool { return os.Geteuid() == 0 }
