// Package hostile holds the hostile reactors the tests of package sandbox
// and of vaultd set off, and what they measure a process by. Each reactor
// took a vault running reactor code in its own process down, or held a core
// for minutes.
package hostile

import (
	"os"
	"strconv"
	"strings"
)

// Bombs are reactor code by name. The first three allocate without bound
// in goja, past any budget the sandbox could check in process; the regex
// backtracks for minutes in one native call.
var Bombs = map[string]string{
	"string doubling": `module.exports = function () { let s = 'x'; for (;;) s += s }`,
	"object keys":     `module.exports = function () { const o = {}; for (let i = 0; ; i++) o['key' + i] = i }`,
	"JSON.parse nesting": `module.exports = function () {
		const n = 1000000; return { raw: JSON.parse('['.repeat(n) + ']'.repeat(n)).length } }`,
	"backtracking regex": `module.exports = function () { return { raw: /^(a+)+\1b/.test('a'.repeat(34)) } }`,
}

// RSS returns the resident memory of process pid (0 for this one) from
// /proc, or 0 when it cannot be read.
func RSS(pid int) int64 {
	path := "/proc/self/status"
	if pid != 0 {
		path = "/proc/" + strconv.Itoa(pid) + "/status"
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return n << 10
		}
	}
	return 0
}
