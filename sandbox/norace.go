//go:build !race

package sandbox

// raceEnabled reports a binary built with -race; see race.go.
const raceEnabled = false
