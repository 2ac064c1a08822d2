package sandbox

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLibModulesCompile compiles every lib/*.js: they compile lazily, on a
// reactor's first require, so a syntax error would otherwise surface only
// there.
func TestLibModulesCompile(t *testing.T) {
	require.NotEmpty(t, libPrograms)
	for name, prog := range libPrograms {
		require.NotPanics(t, func() { _ = prog() }, name)
		require.NotNil(t, prog(), name)
	}
}
