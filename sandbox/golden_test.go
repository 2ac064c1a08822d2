package sandbox_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault/sandbox"
)

//go:generate node testdata/node/gen.js

// goldenSnippet is one "//# name" section of a testdata/node/*.js file.
type goldenSnippet struct {
	name, code string
}

var snippetHeader = regexp.MustCompile(`^//# (.+)$`)

// parseSnippets splits a snippet file as gen.js does.
func parseSnippets(text string) []goldenSnippet {
	var out []goldenSnippet
	for line := range strings.SplitSeq(text, "\n") {
		if m := snippetHeader.FindStringSubmatch(line); m != nil {
			out = append(out, goldenSnippet{name: strings.TrimSpace(m[1])})
		} else if len(out) > 0 {
			out[len(out)-1].code += line + "\n"
		}
	}
	return out
}

// goldenReactor wraps a snippet exactly as gen.js does under node.
func goldenReactor(harness, code string) string {
	return harness + "\nmodule.exports = async function () {\n" +
		"const __out = [];\nconst print = (...a) => { __out.push(a.map((x) => show(x)).join(' ')); };\n" +
		"try {\n" + code + "\n} catch (e) { print('threw', e); }\n" +
		"return { raw: __out };\n};\n"
}

// TestNodeGolden runs every snippet of testdata/node in a reactor and
// compares what it prints with what the same snippet printed under Node 20
// (the .golden.json beside it, written by `go generate ./sandbox`).
func TestNodeGolden(t *testing.T) {
	harness, err := os.ReadFile("testdata/node/harness.js")
	require.NoError(t, err)
	files, err := filepath.Glob("testdata/node/*.js")
	require.NoError(t, err)
	s := newSandbox(t)
	total := 0
	for _, f := range files {
		base := filepath.Base(f)
		if base == "gen.js" || base == "harness.js" {
			continue
		}
		text, err := os.ReadFile(f)
		require.NoError(t, err)
		raw, err := os.ReadFile(strings.TrimSuffix(f, ".js") + ".golden.json")
		require.NoError(t, err, "%s has no golden file: run go generate ./sandbox", base)
		var golden struct {
			Snippets map[string][]string `json:"snippets"`
		}
		require.NoError(t, json.Unmarshal(raw, &golden))
		snippets := parseSnippets(string(text))
		require.Len(t, golden.Snippets, len(snippets), "%s: the golden file is stale: run go generate ./sandbox", base)
		for _, sn := range snippets {
			total++
			t.Run(strings.TrimSuffix(base, ".js")+"/"+sn.name, func(t *testing.T) {
				want, ok := golden.Snippets[sn.name]
				require.True(t, ok, "no golden output: run go generate ./sandbox")
				got := runRaw(t, s, goldenReactor(string(harness), sn.code), sandbox.Request{})
				lines := []string{}
				for _, l := range got.([]any) {
					lines = append(lines, l.(string))
				}
				assert.Equal(t, want, lines, "snippet:\n%s", sn.code)
			})
		}
	}
	t.Logf("%d snippets", total)
}
