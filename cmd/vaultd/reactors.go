package main

import (
	"fmt"
	"strconv"
	"time"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/sandbox"
)

// reactorFlags are serve's reactor settings.
type reactorFlags struct {
	isolation  *string
	timeout    *time.Duration
	memoryMiB  *string
	maxWorkers *string
}

func (f *flags) reactors() (reactorFlags, error) {
	r := reactorFlags{
		isolation: f.string("reactor-isolation", "VAULT_REACTOR_ISOLATION", "process",
			"where reactor code runs: process (worker processes with OS limits) or in-process (trusted code only)"),
		memoryMiB: f.string("reactor-memory", "VAULT_REACTOR_MEMORY", strconv.Itoa(sandbox.DefaultMemoryBudget>>20),
			"memory budget of one reactor invocation, in MiB"),
		maxWorkers: f.string("reactor-max-workers", "VAULT_REACTOR_MAX_WORKERS", "0",
			"most reactor worker processes alive at once (0: 4 per CPU, at least 8)"),
	}
	var err error
	r.timeout, err = f.duration("reactor-timeout", "VAULT_REACTOR_TIMEOUT", sandbox.DefaultTimeout, "time limit of a synchronous reactor invocation")
	return r, err
}

// options turns the flags into vault options.
func (r reactorFlags) options() ([]vault.Option, error) {
	var iso sandbox.Isolation
	switch *r.isolation {
	case "process":
	case "in-process":
		iso.InProcess = true
	default:
		return nil, fmt.Errorf("--reactor-isolation: want process or in-process, not %q", *r.isolation)
	}
	mem, err := strconv.ParseInt(*r.memoryMiB, 10, 64)
	if err != nil || mem <= 0 {
		return nil, fmt.Errorf("--reactor-memory: want a positive number of MiB, not %q", *r.memoryMiB)
	}
	workers, err := strconv.Atoi(*r.maxWorkers)
	if err != nil || workers < 0 {
		return nil, fmt.Errorf("--reactor-max-workers: want a number, not %q", *r.maxWorkers)
	}
	iso.MaxWorkers = workers
	return []vault.Option{
		vault.WithReactorIsolation(iso),
		vault.WithReactorLimits(sandbox.Limits{Timeout: *r.timeout, MemoryBudget: mem << 20}),
	}, nil
}
