package sandbox_test

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// regexp2 keeps one process-wide clock goroutine while match timeouts
	// are pending (RegexMatchTimeout); it ends by itself a little after
	// the last match.
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/dlclark/regexp2/v2.runClock"))
}
