package vault_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
)

// seedSearch creates a small corpus: n SSNs with metadata, plus cards.
func seedSearch(t *testing.T, v *vault.Vault, n int) map[string]string {
	t.Helper()
	ids := map[string]string{}
	for i := range n {
		ssn := fmt.Sprintf("%03d-%02d-%04d", 100+i, 10+i%90, 1000+i)
		tok, err := v.CreateToken(t.Context(), vault.CreateTokenRequest{
			Type: vault.TypeSocialSecurityNumber, Data: ssn,
			Metadata: map[string]string{"user": fmt.Sprintf("u%03d", i), "group": fmt.Sprintf("g%d", i%3)},
		})
		require.NoError(t, err)
		ids[ssn] = tok.ID
	}
	return ids
}

func tokenIDs(toks []*vault.Token) []string {
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.ID
	}
	return out
}

func searchAll(t *testing.T, v *vault.Vault, query string, size int) []string {
	t.Helper()
	var ids []string
	for tok, err := range v.AllSearchTokens(t.Context(), vault.SearchTokensRequest{Query: query, Size: size}) {
		require.NoError(t, err)
		ids = append(ids, tok.ID)
	}
	return ids
}

func TestSearchV2(t *testing.T) {
	v := openTestVault(t)
	ids := seedSearch(t, v, 30)
	card, err := v.CreateToken(t.Context(), vault.CreateTokenRequest{Type: vault.TypeCardNumber, Data: "4242424242424242",
		SearchIndexes: []string{"{{ data | last4 }}"}, Containers: []string{"/pci/high/"}})
	require.NoError(t, err)

	cases := []struct {
		query string
		want  []string
	}{
		{`data:105-15-1005`, []string{ids["105-15-1005"]}},
		{`data:105151005`, []string{ids["105-15-1005"]}},
		{`data:"1005"`, []string{ids["105-15-1005"]}},
		{`data:4242`, []string{card.ID}},
		{`data:4242424242424242`, nil},
		{`container:/pci/ AND data:4242`, []string{card.ID}},
		{`container:/pii/ AND data:4242`, nil},
		{`metadata.user:u007`, []string{ids["107-17-1007"]}},
		{`metadata.user:U007`, nil},
		{`type:card_number`, []string{card.ID}},
		{`id:` + card.ID, []string{card.ID}},
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			got := searchAll(t, v, tc.query, 0)
			slices.Sort(got)
			want := slices.Clone(tc.want)
			slices.Sort(want)
			assert.Equal(t, want, got)
		})
	}
}

func TestSearchRich(t *testing.T) {
	v := openTestVault(t)
	ids := seedSearch(t, v, 30)
	group0 := searchAll(t, v, `metadata.group:g0`, 7)
	assert.Len(t, group0, 10, "paged in sevens")
	either := searchAll(t, v, `metadata.group:g0 OR metadata.group:g1`, 4)
	assert.Len(t, either, 20)
	assert.True(t, slices.IsSorted(either), "OR results merge in id order")
	both := searchAll(t, v, `metadata.group:g0 AND (data:100-10-1000 OR data:101-11-1001)`, 0)
	assert.Equal(t, []string{ids["100-10-1000"]}, both)
	prefix := searchAll(t, v, `metadata.user:u00*`, 3)
	assert.Len(t, prefix, 10)
	none := searchAll(t, v, `type:card OR metadata.user:nobody`, 0)
	assert.Empty(t, none)
	containers := searchAll(t, v, `container:/pii/ OR type:card`, 8)
	assert.Len(t, containers, 30, "an OR branch without an id-ordered index falls back to the table")
}

func TestSearchErrors(t *testing.T) {
	v := openTestVault(t)
	for _, q := range []string{`nope:1`, `data:"x`, `(type:card`, `data:1*`} {
		_, err := v.SearchTokens(t.Context(), vault.SearchTokensRequest{Query: q})
		e := requireKind(t, err, vault.KindInvalid)
		assert.Contains(t, e.Fields, "query", q)
	}
	_, err := v.SearchTokens(t.Context(), vault.SearchTokensRequest{Query: "type:card", Size: 101})
	e := requireKind(t, err, vault.KindInvalid)
	assert.Contains(t, e.Fields, "size")
	_, err = v.SearchTokens(t.Context(), vault.SearchTokensRequest{Query: "type:card", Start: "!!"})
	e = requireKind(t, err, vault.KindInvalid)
	assert.Contains(t, e.Fields, "start")
}

func TestListTokens(t *testing.T) {
	v := openTestVault(t)
	seedSearch(t, v, 12)
	for i := range 5 {
		_, err := v.CreateToken(t.Context(), vault.CreateTokenRequest{Type: vault.TypeToken, Data: fmt.Sprint(i), Containers: []string{"/a/", "/b/"}})
		require.NoError(t, err)
	}
	var all []*vault.Token
	for tok, err := range v.AllTokens(t.Context(), vault.ListTokensRequest{Size: 5}) {
		require.NoError(t, err)
		all = append(all, tok)
	}
	assert.Len(t, all, 17, "a token in two containers is listed once")
	ids := tokenIDs(all)
	seen := map[string]bool{}
	for _, id := range ids {
		assert.False(t, seen[id], "duplicate %s", id)
		seen[id] = true
	}
	// Ordered by container, then newest first.
	for i := 1; i < len(all); i++ {
		prev, cur := all[i-1], all[i]
		if prev.Containers[0] == cur.Containers[0] {
			assert.False(t, cur.CreatedAt.After(prev.CreatedAt), "newest first within a container")
		} else {
			assert.Less(t, prev.Containers[0], cur.Containers[0])
		}
	}

	page, err := v.ListTokens(t.Context(), vault.ListTokensRequest{Type: vault.TypeSocialSecurityNumber, Metadata: map[string]string{"group": "g1"}})
	require.NoError(t, err)
	assert.Len(t, page.Data, 4)
	assert.Empty(t, page.Pagination.Next)
	page, err = v.ListTokens(t.Context(), vault.ListTokensRequest{Container: "/b/"})
	require.NoError(t, err)
	assert.Len(t, page.Data, 5)
	page, err = v.ListTokens(t.Context(), vault.ListTokensRequest{Container: "/pii/"})
	require.NoError(t, err)
	assert.Len(t, page.Data, 12, "a container filter includes sub-containers")
}

// TestAllTokensFollowsEmptyPages: a page whose scan budget went on tokens the
// caller may not read comes back empty with a cursor; AllTokens follows it
// (it stopped there, missing what came after).
func TestAllTokensFollowsEmptyPages(t *testing.T) {
	v := openTestVault(t)
	vault.SetMaxScanForTest(t, 5)
	ctx := t.Context()
	var want []string
	for i := range 12 {
		container := "/hidden/"
		if i%6 == 0 {
			container = "/seen/"
		}
		tok, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "d", Containers: []string{container}})
		require.NoError(t, err)
		if container == "/seen/" {
			want = append(want, tok.ID)
		}
	}
	_, reader := privateApp(t, v, vault.CreateApplicationRequest{Name: "reader", Rules: []vault.AccessRule{{Priority: 1,
		Container: "/seen/", Transform: vault.TransformRedact, Permissions: []string{vault.PermTokenRead}}}})
	first, err := v.ListTokens(reader, vault.ListTokensRequest{})
	require.NoError(t, err)
	require.Empty(t, first.Data, "the first page's budget goes on hidden tokens")
	require.NotEmpty(t, first.Pagination.Next)
	var got []string
	for tok, err := range v.AllTokens(reader, vault.ListTokensRequest{}) {
		require.NoError(t, err)
		got = append(got, tok.ID)
	}
	assert.ElementsMatch(t, want, got)
}
