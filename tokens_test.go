package vault_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
)

func openTestVault(t testing.TB, opts ...vault.Option) *vault.Vault {
	t.Helper()
	v, err := vault.OpenMemory(append([]vault.Option{vault.WithSweepInterval(0)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = v.Close() })
	return v
}

func errorsAsVault(err error) (*vault.Error, bool) {
	return errors.AsType[*vault.Error](err)
}

func requireKind(t *testing.T, err error, kind vault.Kind) *vault.Error {
	t.Helper()
	e, ok := errorsAsVault(err)
	require.True(t, ok, "want a *vault.Error of kind %s, got %v", kind, err)
	require.Equal(t, kind, e.Kind, "error: %v", err)
	return e
}

func setSettings(t *testing.T, v *vault.Vault, settings map[string]string) {
	t.Helper()
	_, err := v.UpdateTenantSettings(t.Context(), settings)
	require.NoError(t, err)
}

func dataJSON(t *testing.T, tok *vault.Token) string {
	t.Helper()
	b, err := json.Marshal(tok.Data)
	require.NoError(t, err)
	return string(b)
}

func TestCreateGetUpdateDelete(t *testing.T) {
	v := openTestVault(t)
	ctx := t.Context()
	tok, err := v.CreateToken(ctx, vault.CreateTokenRequest{
		Type: vault.TypeToken, Data: map[string]any{"name": "Jane", "big": json.Number("12345678901234567890")},
		Metadata: map[string]string{"customer": "42"},
	})
	require.NoError(t, err)
	assert.NotEmpty(t, tok.ID)
	assert.Equal(t, v.DefaultTenantID(), tok.TenantID)
	assert.Equal(t, []string{"/general/high/"}, tok.Containers)
	require.NotNil(t, tok.Extras)
	assert.False(t, tok.Extras.Deduplicated)

	got, err := v.GetToken(ctx, tok.ID)
	require.NoError(t, err)
	assert.JSONEq(t, `{"name":"Jane","big":12345678901234567890}`, dataJSON(t, got), "numbers keep every digit")
	assert.Equal(t, map[string]string{"customer": "42"}, got.Metadata)
	assert.Nil(t, got.ModifiedAt)

	upd, err := v.UpdateToken(ctx, tok.ID, vault.UpdateTokenRequest{
		Data:     json.RawMessage(`{"name":"Janet","big":null,"city":"Oslo"}`),
		Metadata: json.RawMessage(`{"customer":null,"tier":"gold"}`),
	})
	require.NoError(t, err)
	assert.JSONEq(t, `{"name":"Janet","city":"Oslo"}`, dataJSON(t, upd), "data is merge-patched")
	assert.Equal(t, map[string]string{"tier": "gold"}, upd.Metadata, "metadata is merge-patched")
	assert.NotNil(t, upd.ModifiedAt)

	require.NoError(t, v.DeleteToken(ctx, tok.ID))
	_, err = v.GetToken(ctx, tok.ID)
	requireKind(t, err, vault.KindNotFound)
	requireKind(t, v.DeleteToken(ctx, tok.ID), vault.KindNotFound)
	_, err = v.UpdateToken(ctx, tok.ID, vault.UpdateTokenRequest{Metadata: json.RawMessage(`{}`)})
	requireKind(t, err, vault.KindNotFound)
}

func TestUpdateValidatesPatchedData(t *testing.T) {
	v := openTestVault(t)
	tok, err := v.CreateToken(t.Context(), vault.CreateTokenRequest{Type: vault.TypeCard,
		Data: map[string]any{"number": "4242424242424242", "expiration_month": 1, "expiration_year": 2030}})
	require.NoError(t, err)
	_, err = v.UpdateToken(t.Context(), tok.ID, vault.UpdateTokenRequest{Data: json.RawMessage(`{"number":"4242424242424241"}`)})
	e := requireKind(t, err, vault.KindInvalid)
	assert.Contains(t, e.Fields, "data.number")
	got, err := v.GetToken(t.Context(), tok.ID)
	require.NoError(t, err)
	assert.JSONEq(t, `{"number":"4242424242424242","expiration_month":1,"expiration_year":2030}`, dataJSON(t, got), "no partial write")

	upd, err := v.UpdateToken(t.Context(), tok.ID, vault.UpdateTokenRequest{Data: json.RawMessage(`{"expiration_year":2031}`)})
	require.NoError(t, err)
	assert.JSONEq(t, `{"number":"4242424242424242","expiration_month":1,"expiration_year":2031}`, dataJSON(t, upd))
}

func TestCustomIDs(t *testing.T) {
	v := openTestVault(t)
	ctx := t.Context()
	_, err := v.CreateToken(ctx, vault.CreateTokenRequest{ID: "1234_phone", Type: vault.TypeToken, Data: "555-0100"})
	require.NoError(t, err)
	got, err := v.GetToken(ctx, "1234_phone")
	require.NoError(t, err)
	assert.Equal(t, "555-0100", dataOf(t, got.Data))

	_, err = v.CreateToken(ctx, vault.CreateTokenRequest{ID: "1234_phone", Type: vault.TypeToken, Data: "other"})
	requireKind(t, err, vault.KindConflict)

	for _, bad := range []string{"ab", strings.Repeat("x", 401), "a/b/c", "has space", "q?x", "50%", "a{b"} {
		_, err := v.CreateToken(ctx, vault.CreateTokenRequest{ID: bad, Type: vault.TypeToken, Data: "x"})
		e := requireKind(t, err, vault.KindInvalid)
		assert.Contains(t, e.Fields, "id", bad)
	}
	_, err = v.CreateToken(ctx, vault.CreateTokenRequest{ID: strings.Repeat("é", 400), Type: vault.TypeToken, Data: "x"})
	assert.NoError(t, err, "400 characters, not bytes")
}

func TestAliasIDs(t *testing.T) {
	v := openTestVault(t)
	ctx := t.Context()
	tok, err := v.CreateToken(ctx, vault.CreateTokenRequest{
		ID: "{{ data | alias_preserve_format }}", Type: vault.TypeCardNumber, Data: "4242424242424242"})
	require.NoError(t, err)
	assert.Len(t, tok.ID, 16)
	assert.NotEqual(t, "4242424242424242", tok.ID)
	assert.Regexp(t, `^[0-9]{16}$`, tok.ID)

	// A deterministic alias that collides falls back to a random UUID.
	first, err := v.CreateToken(ctx, vault.CreateTokenRequest{ID: "{{ data | last4 }}_x", Type: vault.TypeToken, Data: "abcd1234"})
	require.NoError(t, err)
	assert.Equal(t, "1234_x", first.ID)
	second, err := v.CreateToken(ctx, vault.CreateTokenRequest{ID: "{{ data | last4 }}_x", Type: vault.TypeToken, Data: "zzzz1234"})
	require.NoError(t, err)
	assert.Regexp(t, `^[0-9a-f-]{36}$`, second.ID)
}

func TestMaskAndCardDetails(t *testing.T) {
	v := openTestVault(t)
	tok, err := v.CreateToken(t.Context(), vault.CreateTokenRequest{Type: vault.TypeToken, Data: "Sensitive Value",
		Mask: "{{ data | reveal_last: 4 }}"})
	require.NoError(t, err)
	assert.Equal(t, "{{ data | reveal_last: 4 }}", dataOf(t, tok.Mask))

	_, err = v.CreateToken(t.Context(), vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x", Mask: "{{ data | nosuchfilter }}"})
	e := requireKind(t, err, vault.KindInvalid)
	assert.Contains(t, e.Fields, "mask")
}

func TestContainers(t *testing.T) {
	v := openTestVault(t)
	tok, err := v.CreateToken(t.Context(), vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x",
		Containers: []string{"/PCI/Custom/", "/general/"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"/general/", "/pci/custom/"}, tok.Containers, "lower-cased and sorted")
	for _, bad := range []string{"pci/", "/pci", "/pci//x/", "/p c/"} {
		_, err := v.CreateToken(t.Context(), vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x", Containers: []string{bad}})
		e := requireKind(t, err, vault.KindInvalid)
		assert.Contains(t, e.Fields, "containers[0]", bad)
	}
}

func TestFingerprints(t *testing.T) {
	v := openTestVault(t)
	ctx := t.Context()
	plain, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeCardNumber, Data: "4242424242424242"})
	require.NoError(t, err)
	assert.Empty(t, plain.Fingerprint, "no default fingerprint unless the tenant asks")

	setSettings(t, v, map[string]string{vault.SettingFingerprintTokens: "true"})
	a, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeCardNumber, Data: "4242424242424242"})
	require.NoError(t, err)
	b, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeCardNumber, Data: "4242424242424242"})
	require.NoError(t, err)
	c, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "4242424242424242"})
	require.NoError(t, err)
	assert.NotEmpty(t, a.Fingerprint)
	assert.Equal(t, a.Fingerprint, b.Fingerprint, "same data, same type")
	assert.NotEqual(t, a.Fingerprint, c.Fingerprint, "fingerprints are per type")
	assert.Equal(t, "{{ data }}", a.FingerprintExpression)
	assert.Regexp(t, `^[1-9A-HJ-NP-Za-km-z]{40,50}$`, a.Fingerprint, "base58")

	other := openTestVault(t)
	setSettings(t, other, map[string]string{vault.SettingFingerprintTokens: "true"})
	d, err := other.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeCardNumber, Data: "4242424242424242"})
	require.NoError(t, err)
	assert.NotEqual(t, a.Fingerprint, d.Fingerprint, "fingerprints are keyed per tenant")

	ssn1, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeSocialSecurityNumber, Data: "123-45-6789"})
	require.NoError(t, err)
	ssn2, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeSocialSecurityNumber, Data: "123456789"})
	require.NoError(t, err)
	assert.Equal(t, ssn1.Fingerprint, ssn2.Fingerprint, "the SSN fingerprint removes dashes")
}

func TestDeduplication(t *testing.T) {
	v := openTestVault(t)
	ctx := t.Context()
	yes := true
	req := vault.CreateTokenRequest{Type: vault.TypeCardNumber, Data: "4242424242424242", FingerprintExpression: "{{ data }}",
		DeduplicateToken: &yes, Metadata: map[string]string{"a": "1"}}
	first, err := v.CreateToken(ctx, req)
	require.NoError(t, err)
	second, err := v.CreateToken(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, first.ID, second.ID)
	assert.True(t, second.Extras.Deduplicated)
	assert.Equal(t, vault.DedupReadExisting, second.Extras.DeduplicationBehavior)

	other := req
	other.Containers = []string{"/pci/other/"}
	third, err := v.CreateToken(ctx, other)
	require.NoError(t, err)
	assert.NotEqual(t, first.ID, third.ID, "different containers are not duplicates")

	setSettings(t, v, map[string]string{vault.SettingDeduplicateTokens: "true", vault.SettingDeduplicationBehavior: vault.DedupUpdateExisting})
	upd := req
	upd.DeduplicateToken = nil
	upd.Metadata = map[string]string{"b": "2"}
	fourth, err := v.CreateToken(ctx, upd)
	require.NoError(t, err)
	assert.Equal(t, first.ID, fourth.ID)
	assert.Equal(t, vault.DedupUpdateExisting, fourth.Extras.DeduplicationBehavior)
	assert.Equal(t, map[string]string{"a": "1", "b": "2"}, fourth.Metadata, "update_existing merges metadata")

	no := false
	upd.DeduplicateToken = &no
	fifth, err := v.CreateToken(ctx, upd)
	require.NoError(t, err)
	assert.NotEqual(t, first.ID, fifth.ID, "the request flag overrides the tenant setting")
}

func TestConcurrentDeduplicationCreatesOne(t *testing.T) {
	v := openTestVault(t)
	setSettings(t, v, map[string]string{vault.SettingDeduplicateTokens: "true", vault.SettingFingerprintTokens: "true"})
	var wg sync.WaitGroup
	ids := make([]string, 32)
	for i := range ids {
		wg.Go(func() {
			tok, err := v.CreateToken(context.Background(), vault.CreateTokenRequest{Type: vault.TypeSocialSecurityNumber, Data: "123-45-6789"})
			if assert.NoError(t, err) {
				ids[i] = tok.ID
			}
		})
	}
	wg.Wait()
	for _, id := range ids {
		assert.Equal(t, ids[0], id)
	}
}

func TestExpiry(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	var events []vault.Event
	var evMu sync.Mutex
	v := openTestVault(t, vault.WithClock(clock), vault.WithEventHandler(func(_ context.Context, e vault.Event) {
		evMu.Lock()
		events = append(events, e)
		evMu.Unlock()
	}))
	ctx := t.Context()
	past := now.Add(-time.Second)
	_, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x", ExpiresAt: &past})
	e := requireKind(t, err, vault.KindInvalid)
	assert.Contains(t, e.Fields, "expires_at")

	at := now.Add(time.Hour)
	tok, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x", ExpiresAt: &at, Metadata: map[string]string{"k": "v"}})
	require.NoError(t, err)
	_, err = v.GetToken(ctx, tok.ID)
	require.NoError(t, err)

	advance(time.Hour)
	_, err = v.GetToken(ctx, tok.ID)
	requireKind(t, err, vault.KindNotFound)
	page, err := v.ListTokens(ctx, vault.ListTokensRequest{Metadata: map[string]string{"k": "v"}})
	require.NoError(t, err)
	assert.Empty(t, page.Data, "an expired token is invisible at once")

	n, err := vault.SweepForTest(ctx, v)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	require.NoError(t, v.FlushEvents(ctx))
	evMu.Lock()
	defer evMu.Unlock()
	var expired []string
	for _, e := range events {
		if e.Type == vault.EventTokenExpired {
			expired = append(expired, e.Data["token"].(map[string]any)["id"].(string))
		}
	}
	assert.Equal(t, []string{tok.ID}, expired)
}

func TestCVCRetention(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	var props []string
	v := openTestVault(t, vault.WithClock(clock), vault.WithEventHandler(func(_ context.Context, e vault.Event) {
		if e.Type == vault.EventTokenPropertyExpired {
			props = append(props, e.Data["token"].(map[string]any)["property_name"].(string))
		}
	}))
	ctx := t.Context()
	tok, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeCard,
		Data: map[string]any{"number": "4242424242424242", "expiration_month": 1, "expiration_year": 2030, "cvc": "123"}})
	require.NoError(t, err)
	assert.JSONEq(t, `{"number":"4242424242424242","expiration_month":1,"expiration_year":2030,"cvc":"123"}`, dataJSON(t, tok), "the create response")
	got, err := v.GetToken(ctx, tok.ID)
	require.NoError(t, err)
	assert.JSONEq(t, `{"number":"4242424242424242","expiration_month":1,"expiration_year":2030,"cvc":"123"}`, dataJSON(t, got))

	mu.Lock()
	now = now.Add(time.Hour)
	mu.Unlock()
	got, err = v.GetToken(ctx, tok.ID)
	require.NoError(t, err)
	assert.JSONEq(t, `{"number":"4242424242424242","expiration_month":1,"expiration_year":2030}`, dataJSON(t, got), "hidden at once")
	n, err := vault.SweepForTest(ctx, v)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	require.NoError(t, v.FlushEvents(ctx))
	assert.Equal(t, []string{"cvc"}, props)
	got, err = v.GetToken(ctx, tok.ID)
	require.NoError(t, err)
	assert.JSONEq(t, `{"number":"4242424242424242","expiration_month":1,"expiration_year":2030}`, dataJSON(t, got))
}

func TestTokenNeverPrintsData(t *testing.T) {
	v := openTestVault(t)
	const secret = "4242424242424242"
	req := vault.CreateTokenRequest{Type: vault.TypeCardNumber, Data: secret}
	tok, err := v.CreateToken(t.Context(), req)
	require.NoError(t, err)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		assert.NotContains(t, fmt.Sprintf(verb, tok), secret, verb)
		assert.NotContains(t, fmt.Sprintf(verb, &req), secret, verb)
		assert.NotContains(t, fmt.Sprintf(verb, []*vault.Token{tok}), secret, verb)
	}
}

// hugeLoop is the mask of the finding: accepted at create, it made every
// masked read of its token (get, and every list and search page holding
// it) fail with "evaluation exceeds 100000 steps".
const hugeLoop = "{% for i in (1..1000000000) %}x{% endfor %}"

// dataLoop loops as many times as the token's data says.
const dataLoop = "{% for i in (1..data.n) %}x{% endfor %}"

// maskedReader is an application without access rules: its transform is
// mask for every token permission.
func maskedReader(t *testing.T, v *vault.Vault) context.Context {
	t.Helper()
	a, err := v.CreateApplication(t.Context(), vault.CreateApplicationRequest{Name: "masked reader", Type: vault.AppPrivate,
		Permissions: []string{vault.PermTokenCreate, vault.PermTokenRead, vault.PermTokenUpdate, vault.PermTokenSearch}})
	require.NoError(t, err)
	return authenticate(t, v, a.Key)
}

func countTokens(t *testing.T, v *vault.Vault) int {
	t.Helper()
	n := 0
	for _, err := range v.AllTokens(t.Context(), vault.ListTokensRequest{Size: 100}) {
		require.NoError(t, err)
		n++
	}
	return n
}

var testCard = map[string]any{"number": "4242424242424242", "expiration_month": 12, "expiration_year": 2030}

func TestCreateEvaluatesEveryTemplate(t *testing.T) {
	cases := map[string]struct {
		req  vault.CreateTokenRequest
		path string
	}{
		"mask that loops":          {vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x", Mask: hugeLoop}, "mask"},
		"mask that loops by data":  {vault.CreateTokenRequest{Type: vault.TypeToken, Data: map[string]any{"n": 1_000_000_000}, Mask: dataLoop}, "mask"},
		"mask leaf that loops":     {vault.CreateTokenRequest{Type: vault.TypeCard, Data: testCard, Mask: map[string]any{"number": "{{ data.number | last4 }}", "x": hugeLoop}}, "mask.x"},
		"mask in an array":         {vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x", Mask: []any{"{{ data }}", hugeLoop}}, "mask[1]"},
		"mask too large":           {vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x", Mask: "{{ data | pad_left: 2000000, 'y' }}"}, "mask"},
		"mask that cannot convert": {vault.CreateTokenRequest{Type: vault.TypeToken, Data: "abc", Mask: "{{ data | to_number }}"}, "mask"},
		"search index that loops": {vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x",
			SearchIndexes: []string{"{{ data }}", "{{ data | last4 }}", hugeLoop}}, "search_indexes[2]"},
		"fingerprint that loops": {vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x", FingerprintExpression: hugeLoop + "{{ data }}"}, "fingerprint_expression"},
		"alias that loops":       {vault.CreateTokenRequest{ID: "{{ data }}" + hugeLoop, Type: vault.TypeToken, Data: "xyz"}, "id"},
	}
	v := openTestVault(t)
	reader := maskedReader(t, v)
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			before := countTokens(t, v)
			for caller, ctx := range map[string]context.Context{"host": t.Context(), "masked reader": reader} {
				_, err := v.CreateToken(ctx, c.req)
				e := requireKind(t, err, vault.KindInvalid)
				assert.Contains(t, e.Fields, c.path, "%s: %v", caller, e.Fields)
			}
			assert.Equal(t, before, countTokens(t, v), "nothing is written")
		})
	}
}

func TestTokenizeAndTransactionsEvaluateMasks(t *testing.T) {
	v := openTestVault(t)
	before := countTokens(t, v)
	_, err := v.Tokenize(t.Context(), map[string]any{
		"name": "Jane",
		"card": map[string]any{"type": vault.TypeToken, "data": "x", "mask": hugeLoop},
	})
	e := requireKind(t, err, vault.KindInvalid)
	assert.Contains(t, e.Fields, "card.mask")
	assert.Equal(t, before, countTokens(t, v), "no token of the document is created")

	txn, err := v.BeginTransaction(t.Context())
	require.NoError(t, err)
	ctx := vault.WithTransaction(t.Context(), txn.ID)
	_, err = v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x", Mask: hugeLoop})
	e = requireKind(t, err, vault.KindInvalid)
	assert.Contains(t, e.Fields, "mask")
	ok, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: map[string]any{"n": 2}, Mask: dataLoop})
	require.NoError(t, err)
	_, err = v.UpdateToken(ctx, ok.ID, vault.UpdateTokenRequest{Data: json.RawMessage(`{"n":1000000000}`)})
	e = requireKind(t, err, vault.KindInvalid)
	assert.Contains(t, e.Fields, "mask")
	require.NoError(t, v.CommitTransaction(t.Context(), txn.ID))
	assert.Equal(t, before+1, countTokens(t, v))
	got, err := v.GetToken(t.Context(), ok.ID)
	require.NoError(t, err)
	assert.JSONEq(t, `{"n":2}`, string(got.Data), "the refused update was not staged")
}

func TestUpdateEvaluatesTheMask(t *testing.T) {
	v := openTestVault(t)
	reader := maskedReader(t, v)
	tok, err := v.CreateToken(t.Context(), vault.CreateTokenRequest{Type: vault.TypeToken, Data: map[string]any{"n": 3}, Mask: dataLoop})
	require.NoError(t, err)
	obj, err := v.CreateToken(t.Context(), vault.CreateTokenRequest{Type: vault.TypeToken, Data: map[string]any{"n": 3},
		Mask: map[string]any{"n": "{{ data.n }}"}})
	require.NoError(t, err)

	cases := map[string]struct {
		id   string
		req  vault.UpdateTokenRequest
		path string
	}{
		"a mask that loops":             {tok.ID, vault.UpdateTokenRequest{Mask: mustJSON(t, hugeLoop)}, "mask"},
		"data that makes the mask loop": {tok.ID, vault.UpdateTokenRequest{Data: json.RawMessage(`{"n":1000000000}`)}, "mask"},
		"a mask leaf that loops":        {obj.ID, vault.UpdateTokenRequest{Mask: json.RawMessage(`{"x":` + string(mustJSON(t, hugeLoop)) + `}`)}, "mask.x"},
		"a search index that loops":     {tok.ID, vault.UpdateTokenRequest{SearchIndexes: &[]string{"{{ data.n }}", hugeLoop}}, "search_indexes[1]"},
		"a fingerprint that loops":      {tok.ID, vault.UpdateTokenRequest{FingerprintExpression: ptr(hugeLoop + "{{ data.n }}")}, "fingerprint_expression"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			for caller, ctx := range map[string]context.Context{"host": t.Context(), "masked reader": reader} {
				_, err := v.UpdateToken(ctx, c.id, c.req)
				e := requireKind(t, err, vault.KindInvalid)
				assert.Contains(t, e.Fields, c.path, "%s: %v", caller, e.Fields)
			}
		})
	}
	got, err := v.GetToken(reader, tok.ID)
	require.NoError(t, err, "the token is as it was")
	assert.Equal(t, "xxx", dataOf(t, got.Data))
	got, err = v.GetToken(reader, obj.ID)
	require.NoError(t, err)
	assert.JSONEq(t, `{"n":3}`, string(got.Data))

	upd, err := v.UpdateToken(reader, tok.ID, vault.UpdateTokenRequest{Data: json.RawMessage(`{"n":5}`)})
	require.NoError(t, err, "data the mask can evaluate is accepted")
	assert.Equal(t, "xxxxx", dataOf(t, upd.Data))
}

func TestDeduplicationMergeEvaluatesTheMask(t *testing.T) {
	v := openTestVault(t)
	setSettings(t, v, map[string]string{vault.SettingDeduplicateTokens: "true", vault.SettingDeduplicationBehavior: vault.DedupUpdateExisting})
	req := vault.CreateTokenRequest{Type: vault.TypeToken, Data: map[string]any{"k": "a", "n": 1}, FingerprintExpression: "{{ data.k }}", Mask: dataLoop}
	first, err := v.CreateToken(t.Context(), req)
	require.NoError(t, err)

	req.Data = map[string]any{"k": "a", "n": 1_000_000_000}
	req.Mask = nil
	_, err = v.CreateToken(t.Context(), req)
	e := requireKind(t, err, vault.KindInvalid)
	assert.Contains(t, e.Fields, "mask", "the duplicate's mask would not evaluate on the merged data")
	_, err = v.Tokenize(t.Context(), map[string]any{"t": map[string]any{"type": req.Type, "data": req.Data, "fingerprint_expression": req.FingerprintExpression}})
	e = requireKind(t, err, vault.KindInvalid)
	assert.Contains(t, e.Fields, "t.mask", "in Tokenize, under the document path")

	got, err := v.GetToken(maskedReader(t, v), first.ID)
	require.NoError(t, err)
	assert.Equal(t, "x", dataOf(t, got.Data), "the duplicate is unchanged")
}

// TestReadRedactsATokenWhoseMaskFails: a token stored with a mask that no
// longer evaluates (written before masks were evaluated at write) is
// redacted for masked readers; the get, the list and the search succeed and
// the other tokens are masked as usual.
func TestReadRedactsATokenWhoseMaskFails(t *testing.T) {
	var logs bytes.Buffer
	v := openTestVault(t, vault.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	host := t.Context()
	md := map[string]string{"batch": "m"}
	good, err := v.CreateToken(host, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "good-secret", Mask: "{{ data | reveal_last: 2 }}", Metadata: md})
	require.NoError(t, err)
	bad, err := v.CreateToken(host, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "bad-secret", Mask: "{{ data | reveal_last: 2 }}", Metadata: md})
	require.NoError(t, err)
	card, err := v.CreateToken(host, vault.CreateTokenRequest{Type: vault.TypeCard, Data: testCard, Metadata: md})
	require.NoError(t, err)
	for _, id := range []string{bad.ID, card.ID} {
		require.NoError(t, vault.SetTokenMaskForTest(host, v, id, mustJSON(t, hugeLoop)))
	}
	reader := maskedReader(t, v)

	check := func(t *testing.T, toks []*vault.Token) {
		t.Helper()
		byID := map[string]*vault.Token{}
		for _, tok := range toks {
			byID[tok.ID] = tok
		}
		require.Len(t, byID, 3)
		assert.Equal(t, "XXXX-XXXXet", dataOf(t, byID[good.ID].Data), "other tokens are masked as usual")
		for _, id := range []string{bad.ID, card.ID} {
			tok := byID[id]
			assert.Nil(t, tok.Data, "data redacted")
			assert.Nil(t, tok.Card, "card details redacted, as the redact transform does")
			assert.Equal(t, md, tok.Metadata, "the rest of the token is there")
			assert.Equal(t, hugeLoop, dataOf(t, tok.Mask))
		}
	}
	var got []*vault.Token
	for _, id := range []string{good.ID, bad.ID, card.ID} {
		tok, err := v.GetToken(reader, id)
		require.NoError(t, err, "get")
		got = append(got, tok)
	}
	check(t, got)

	page, err := v.ListTokens(reader, vault.ListTokensRequest{Metadata: md})
	require.NoError(t, err, "list")
	check(t, page.Data)
	assert.Empty(t, page.Pagination.Next)

	page, err = v.SearchTokens(reader, vault.SearchTokensRequest{Query: "metadata.batch:m"})
	require.NoError(t, err, "search")
	check(t, page.Data)

	revealed, err := v.GetToken(host, bad.ID)
	require.NoError(t, err)
	assert.Equal(t, "bad-secret", dataOf(t, revealed.Data), "reveal does not evaluate the mask")

	for _, secret := range []string{"good-secret", "bad-secret", "4242424242424242", "secret"} {
		assert.NotContains(t, logs.String(), secret)
	}
}

func mustJSON(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

func ptr[T any](v T) *T { return &v }

// costly is a mask of about 60,000 steps: within one evaluation's budget
// (100,000), not twice.
const costly = "{% for i in (1..59990) %}{% endfor %}"

// TestPageMasksShareOneEvaluation: each mask of a list or search page of n
// tokens has 1/n of one evaluation's steps, so a page of costly masks costs
// what one mask may. The costly tokens are redacted there (and masked when
// read alone); the cheap ones on the same page are masked as usual.
func TestPageMasksShareOneEvaluation(t *testing.T) {
	v := openTestVault(t)
	md := map[string]string{"batch": "costly"}
	costlyIDs := map[string]bool{}
	for i := range 4 {
		mask := "{{ data | reveal_last: 2 }}"
		if i%2 == 0 {
			mask = costly
		}
		tok, err := v.CreateToken(t.Context(), vault.CreateTokenRequest{Type: vault.TypeToken, Data: "secret", Mask: mask, Metadata: md})
		require.NoError(t, err, "each mask fits one evaluation")
		costlyIDs[tok.ID] = mask == costly
	}
	reader := maskedReader(t, v)
	check := func(t *testing.T, toks []*vault.Token) {
		t.Helper()
		require.Len(t, toks, 4)
		for _, tok := range toks {
			if costlyIDs[tok.ID] {
				assert.Nil(t, tok.Data, "a mask past its share of the page redacts its token")
			} else {
				assert.Equal(t, "XXXXet", dataOf(t, tok.Data), "the other tokens are masked as usual")
			}
		}
	}
	page, err := v.ListTokens(reader, vault.ListTokensRequest{Metadata: md})
	require.NoError(t, err)
	check(t, page.Data)
	page, err = v.SearchTokens(reader, vault.SearchTokensRequest{Query: "metadata.batch:costly"})
	require.NoError(t, err)
	check(t, page.Data)
	for id := range costlyIDs {
		tok, err := v.GetToken(reader, id)
		require.NoError(t, err)
		assert.NotNil(t, tok.Data, "a get has a whole evaluation")
	}
}

// TestTemplatesOfATokenShareABudget: a token's templates are evaluated
// within one evaluation's steps together, so one write costs at most that.
func TestTemplatesOfATokenShareABudget(t *testing.T) {
	v := openTestVault(t)
	_, err := v.CreateToken(t.Context(), vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x", Mask: costly,
		SearchIndexes: []string{costly + "{{ data }}"}})
	e := requireKind(t, err, vault.KindInvalid)
	assert.Contains(t, e.Fields, "mask", "the mask finds the budget spent by the search index")

	tok, err := v.CreateToken(t.Context(), vault.CreateTokenRequest{Type: vault.TypeToken, Data: "x", Mask: costly})
	require.NoError(t, err)
	_, err = v.UpdateToken(t.Context(), tok.ID, vault.UpdateTokenRequest{SearchIndexes: &[]string{costly + "{{ data }}"},
		Data: json.RawMessage(`"y"`)})
	e = requireKind(t, err, vault.KindInvalid)
	assert.Contains(t, e.Fields, "mask")
}

// TestMetadataEntryBound: a metadata entry too long for its index key is
// refused on create and update (it was a 500 from the store's key limit).
func TestMetadataEntryBound(t *testing.T) {
	v := openTestVault(t)
	ctx := t.Context()
	long := map[string]string{"note": strings.Repeat("x", 5000)}
	_, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "d", Metadata: long})
	e := requireKind(t, err, vault.KindInvalid)
	assert.Contains(t, e.Fields, "metadata")

	fits := map[string]string{"note": strings.Repeat("x", 1020)}
	tok, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeToken, Data: "d", Metadata: fits})
	require.NoError(t, err)
	page, err := v.ListTokens(ctx, vault.ListTokensRequest{Metadata: fits})
	require.NoError(t, err)
	require.Len(t, page.Data, 1)
	assert.Equal(t, tok.ID, page.Data[0].ID)

	patch, err := json.Marshal(long)
	require.NoError(t, err)
	_, err = v.UpdateToken(ctx, tok.ID, vault.UpdateTokenRequest{Metadata: patch})
	e = requireKind(t, err, vault.KindInvalid)
	assert.Contains(t, e.Fields, "metadata")
}

// TestMetadataFilterTooLong: a metadata filter no stored entry can match
// finds nothing (it was a 500: its scan prefix passed the key limit).
func TestMetadataFilterTooLong(t *testing.T) {
	v := openTestVault(t)
	page, err := v.ListTokens(t.Context(), vault.ListTokensRequest{Metadata: map[string]string{"note": strings.Repeat("x", 5000)}})
	require.NoError(t, err)
	assert.Empty(t, page.Data)
	page, err = v.SearchTokens(t.Context(), vault.SearchTokensRequest{Query: "metadata.note:" + strings.Repeat("x", 4070)})
	require.NoError(t, err)
	assert.Empty(t, page.Data)
}
