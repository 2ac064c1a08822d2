package vault_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
)

func TestReactorCallback(t *testing.T) {
	// The receiver fails its first two requests: the callback is retried.
	rcv, opts := newReceiver(t, func(n int) int {
		if n < 2 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	store, v := openMemoryStoreVault(t, opts...)
	ctx := t.Context()
	const marker = "4000056655665556"
	r := mustCreateReactor(t, ctx, v, vault.CreateReactorRequest{Name: "cb", Code: `
module.exports = async (req) => ({ raw: { number: req.args.number } });`})
	queued, err := v.ReactAsyncWithCallback(ctx, r.ID, vault.ReactRequest{Args: map[string]any{"number": marker}, CallbackURL: rcv.srv.URL + "/result"})
	require.NoError(t, err)
	key := queued.CallbackSigningKey.Reveal()
	require.NotEmpty(t, key)
	assert.NotContains(t, fmt.Sprintf("%v %+v %#v", queued, queued, *queued), key, "the key never prints")

	require.Eventually(t, func() bool { return len(rcv.deliveries()) >= 1 }, 20*time.Second, 10*time.Millisecond)
	ds := rcv.deliveries()
	require.Len(t, ds, 1)
	verifySignature(t, key, ds[0])
	assert.Equal(t, queued.ID, ds[0].header.Get("BT-EVENT-ID"))
	var body map[string]any
	require.NoError(t, json.Unmarshal(ds[0].body, &body), "%s", ds[0].body)
	assert.Equal(t, queued.ID, body["id"])
	assert.Equal(t, r.ID, body["reactor_id"])
	assert.Equal(t, vault.ReactCompleted, body["status"])
	assert.Equal(t, map[string]any{"number": marker}, body["response"].(map[string]any)["raw"])
	res, err := v.GetReactResult(ctx, r.ID, queued.ID)
	require.NoError(t, err)
	var want map[string]any
	wantJSON, err := json.Marshal(res)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(wantJSON, &want))
	assert.Equal(t, want, body, "the callback body is the result GetReactResult reads")
	rcv.mu.Lock()
	assert.Equal(t, 3, rcv.requests, "two failures, then the delivery")
	rcv.mu.Unlock()

	raw := dumpAll(t, store)
	assert.False(t, bytes.Contains(raw, []byte(key)), "the signing key is sealed at rest")
	assert.False(t, bytes.Contains(raw, []byte(marker)), "the result is sealed at rest")

	// A failing reactor's callback carries its error.
	failing := mustCreateReactor(t, ctx, v, vault.CreateReactorRequest{Name: "failing", Code: `const { BadRequestError } = require('@basis-theory/basis-theory-reactor-formulas-sdk-js');
module.exports = async () => { throw new BadRequestError({ field: 'is wrong' }) };`})
	queued2, err := v.ReactAsyncWithCallback(ctx, failing.ID, vault.ReactRequest{CallbackURL: rcv.srv.URL})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return len(rcv.deliveries()) >= 2 }, 20*time.Second, 10*time.Millisecond)
	ds = rcv.deliveries()
	verifySignature(t, queued2.CallbackSigningKey.Reveal(), ds[1])
	assert.NotEqual(t, key, queued2.CallbackSigningKey.Reveal(), "each invocation has its own key")
	body = nil
	require.NoError(t, json.Unmarshal(ds[1].body, &body))
	assert.Equal(t, vault.ReactFailed, body["status"])
	assert.Equal(t, 400.0, body["error"].(map[string]any)["status"], "%s", ds[1].body)
	assert.Nil(t, body["response"])

	// Without a callback URL, nothing is POSTed and no key is made.
	plain, err := v.ReactAsyncWithCallback(ctx, r.ID, vault.ReactRequest{})
	require.NoError(t, err)
	assert.True(t, plain.CallbackSigningKey.IsZero())
	waitResult(t, ctx, v, r.ID, plain.ID)
	time.Sleep(50 * time.Millisecond)
	assert.Len(t, rcv.deliveries(), 2)
}

func TestReactorCallbackRefused(t *testing.T) {
	v, _ := openReactorVault(t)
	ctx := t.Context()
	r := mustCreateReactor(t, ctx, v, vault.CreateReactorRequest{Name: "cb", Code: `module.exports = async () => ({ raw: 1 });`})
	for name, tc := range map[string]struct {
		call func() error
		msg  string
	}{
		"http without an allow-list": {func() error {
			_, err := v.ReactAsyncWithCallback(ctx, r.ID, vault.ReactRequest{CallbackURL: "http://example.com/cb"})
			return err
		}, "https"},
		"loopback": {func() error {
			_, err := v.ReactAsyncWithCallback(ctx, r.ID, vault.ReactRequest{CallbackURL: "https://127.0.0.1/cb"})
			return err
		}, ""},
		"not a URL": {func() error {
			_, err := v.ReactAsyncWithCallback(ctx, r.ID, vault.ReactRequest{CallbackURL: "::"})
			return err
		}, ""},
		"ReactAsync, which cannot return the key": {func() error {
			_, err := v.ReactAsync(ctx, r.ID, vault.ReactRequest{CallbackURL: "https://example.com/cb"})
			return err
		}, "ReactAsyncWithCallback"},
		"a synchronous invocation": {func() error {
			_, err := v.React(ctx, r.ID, vault.ReactRequest{CallbackURL: "https://example.com/cb"})
			return err
		}, "react-async"},
	} {
		t.Run(name, func(t *testing.T) {
			err := tc.call()
			e := requireKind(t, err, vault.KindInvalid)
			require.Contains(t, e.Fields, "callback_url", "%v", err)
			assert.Contains(t, e.Fields["callback_url"][0], tc.msg)
		})
	}
}
