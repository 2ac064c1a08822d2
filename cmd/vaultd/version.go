package main

import (
	"fmt"
	"io"
	"runtime/debug"
)

// version prints the module version of the binary, its VCS revision when the
// build recorded one, and the Go version.
func version(stdout io.Writer) int {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		fmt.Fprintln(stdout, "vaultd (no build information)")
		return exitOK
	}
	line := "vaultd " + info.Main.Version
	var rev, at, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+dirty"
			}
		}
	}
	if rev != "" {
		line += " (" + rev + modified
		if at != "" {
			line += " " + at
		}
		line += ")"
	}
	fmt.Fprintln(stdout, line, info.GoVersion)
	return exitOK
}
