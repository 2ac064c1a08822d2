package expr

import (
	"errors"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCompileCaches(t *testing.T) {
	a, err := Compile("{{ data | upcase }} cached")
	require.NoError(t, err)
	b, err := Compile("{{ data | upcase }} cached")
	require.NoError(t, err)
	assert.Same(t, a, b)
	c, err := Parse("{{ data | upcase }} cached")
	require.NoError(t, err)
	assert.NotSame(t, a, c)
}

func TestCompileCachesErrorsAsCopies(t *testing.T) {
	_, err1 := Compile("{{ data | nope }} cached")
	e1, ok := errors.AsType[*Error](err1)
	require.True(t, ok)
	e1.Path = "changed"
	_, err2 := Compile("{{ data | nope }} cached")
	e2, ok := errors.AsType[*Error](err2)
	require.True(t, ok)
	assert.Empty(t, e2.Path)
	assert.Equal(t, KindSyntax, e2.Kind)
}

func TestCacheIsBounded(t *testing.T) {
	c := newLRU()
	for i := range 3 * cacheEntries {
		src := "{{ x }}" + strconv.Itoa(i)
		_, err := c.get(src, func() (*Template, *Error) { return parse(src, nil) })
		require.Nil(t, err)
	}
	assert.LessOrEqual(t, c.len(), cacheEntries)
	assert.Greater(t, c.len(), cacheEntries/2)
}

func TestCacheKeepsRecentlyUsed(t *testing.T) {
	c := newLRU()
	builds := 0
	get := func(src string) {
		_, err := c.get(src, func() (*Template, *Error) { builds++; return parse(src, nil) })
		require.Nil(t, err)
	}
	get("{{ hot }}")
	for i := range 2 * cacheEntries {
		get("{{ x }}" + strconv.Itoa(i))
		get("{{ hot }}")
	}
	assert.Equal(t, 1+2*cacheEntries, builds, "the hot template is never evicted")
}

func TestCompileConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				src := "{{ data | append: '" + strconv.Itoa(i%50) + "' }}"
				tm, err := Compile(src)
				if !assert.NoError(t, err) {
					return
				}
				got, err := tm.EvalString(map[string]any{"data": strconv.Itoa(g)})
				assert.NoError(t, err)
				assert.Equal(t, strconv.Itoa(g)+strconv.Itoa(i%50), got)
			}
		})
	}
	wg.Wait()
}

func TestLongTemplatesAreNotCached(t *testing.T) {
	src := "{{ x }}" + string(make([]byte, maxCachedSource))
	a, err := Compile(src)
	require.NoError(t, err)
	b, err := Compile(src)
	require.NoError(t, err)
	assert.NotSame(t, a, b)
}
