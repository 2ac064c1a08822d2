package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
)

func main() {
	serverGC(os.Getenv)
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

// serverGCPercent is the garbage collector's target vaultd runs with unless
// GOGC is set: the heap may grow to five times what is live before a cycle
// (Go's default is twice). A vault's live heap is small (tens of MB: the
// store is bbolt's mmap or PostgreSQL, not the heap), so under load the
// default collects every few milliseconds and its assists slow every
// request; at 400 a server spends far less on GC for a few more MB. GOGC
// (and GOMEMLIMIT, to cap the heap) override it as in any Go program.
// Reactor worker processes keep Go's default: their memory is budgeted.
const serverGCPercent = 400

// serverGC sets serverGCPercent unless the environment sets GOGC.
func serverGC(getenv env) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(serverGCPercent)
	}
}

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the command failed
	exitUsage = 2 // the command line is wrong
)

const usage = `vaultd serves a tokenization vault over the Basis Theory REST API.

Usage:

	vaultd [serve] [flags]       serve the vault (the default command)
	vaultd keys rotate [flags]   rotate the data keys and re-seal every record
	vaultd backup [flags]        copy the vault of a running server to a file
	vaultd check [flags]         check a stopped vault's records and indexes
	vaultd bench [flags]         load a vault of its own and print throughput and latencies
	vaultd version               print the version

Run "vaultd <command> -h" for the flags of a command. Every flag can also be
set by the environment variable named in its description.
`

// env reads the environment; tests pass their own.
type env func(string) string

// run executes the command line args and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv env) int {
	cmd := "serve"
	if len(args) > 0 && isHelp(args[0]) {
		fmt.Fprint(stdout, usage) // the commands; "vaultd serve -h" has serve's flags
		return exitOK
	}
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, stdout, stderr, getenv)
	case "keys":
		if len(args) == 0 || args[0] != "rotate" {
			fmt.Fprintln(stderr, `vaultd keys: the only keys command is "vaultd keys rotate"`)
			return exitUsage
		}
		return rotate(ctx, args[1:], stdout, stderr, getenv)
	case "backup":
		return backup(ctx, args, stdout, stderr, getenv)
	case "check":
		return check(ctx, args, stdout, stderr, getenv)
	case "bench":
		return bench(ctx, args, stdout, stderr, getenv)
	case "version":
		return version(stdout)
	}
	fmt.Fprintf(stderr, "vaultd: unknown command %q\n\n%s", cmd, usage)
	return exitUsage
}

// isHelp reports whether arg asks for the usage.
func isHelp(arg string) bool {
	switch arg {
	case "help", "-h", "-help", "--help":
		return true
	}
	return false
}

// flags is a command's flag set whose defaults come from the environment.
type flags struct {
	*flag.FlagSet
	getenv env
	after  []func() // run by parse: environment fallbacks of secrets
	// envs maps a flag to its environment variable, for the config file:
	// a variable that is set wins over the file.
	envs map[string]string
	// configPath is the --config flag, when the command has one.
	configPath *string
}

func newFlags(name string, stderr io.Writer, getenv env) *flags {
	fs := flag.NewFlagSet("vaultd "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return &flags{FlagSet: fs, getenv: getenv, envs: map[string]string{}}
}

// string defines a string flag whose default is the variable envName when
// set: the command line wins over the environment, which wins over def.
func (f *flags) string(name, envName, def, help string) *string {
	f.envs[name] = envName
	if v := f.getenv(envName); v != "" {
		def = v
	}
	return f.String(name, def, help+" ($"+envName+")")
}

// secret defines a string flag holding a secret (a DSN with a password,
// an API key). Its environment fallback is applied after parsing, so that
// the value never shows as a default in -h.
func (f *flags) secret(name, envName, help string) *string {
	f.envs[name] = envName
	p := f.String(name, "", help+" ($"+envName+")")
	f.after = append(f.after, func() {
		if *p == "" {
			*p = f.getenv(envName)
		}
	})
	return p
}

// duration defines a duration flag with an environment fallback.
func (f *flags) duration(name, envName string, def time.Duration, help string) (*time.Duration, error) {
	f.envs[name] = envName
	if v := f.getenv(envName); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, fmt.Errorf("$%s: %w", envName, err)
		}
		def = d
	}
	return f.Duration(name, def, help+" ($"+envName+")"), nil
}

// int defines an integer flag with an environment fallback.
func (f *flags) int(name, envName string, def int, help string) (*int, error) {
	f.envs[name] = envName
	if v := f.getenv(envName); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, fmt.Errorf("$%s: %q is not an integer", envName, v)
		}
		def = n
	}
	return f.Int(name, def, help+" ($"+envName+")"), nil
}

// bool defines a boolean flag with an environment fallback ("true" or
// "false", as strconv.ParseBool reads them).
func (f *flags) bool(name, envName string, def bool, help string) (*bool, error) {
	f.envs[name] = envName
	if v := f.getenv(envName); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("$%s: %q is not true or false", envName, v)
		}
		def = b
	}
	return f.Bool(name, def, help+" ($"+envName+")"), nil
}

// parse parses args; it returns false and the exit code when the command
// should stop (help asked for, or a usage error).
func (f *flags) parse(args []string) (int, bool) {
	if err := f.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, false
		}
		return exitUsage, false
	}
	if f.NArg() > 0 {
		fmt.Fprintf(f.Output(), "%s: unexpected argument %q\n", f.Name(), f.Arg(0))
		return exitUsage, false
	}
	if err := f.applyConfig(); err != nil {
		fmt.Fprintf(f.Output(), "%s: %v\n", f.Name(), err)
		return exitUsage, false
	}
	for _, fn := range f.after {
		fn()
	}
	return 0, true
}

// newLogger returns the JSON logger of a command, on stderr.
func newLogger(stderr io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q: must be debug, info, warn or error", level)
	}
	return slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: l})), nil
}
