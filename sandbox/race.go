//go:build race

package sandbox

// raceEnabled reports a binary built with -race, whose ThreadSanitizer maps
// terabytes of shadow memory: an address-space limit cannot apply to it.
const raceEnabled = true
