package httpapi_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/storage/memory"
)

func TestIdempotencyReplay(t *testing.T) {
	f := newFixture(t, nil)
	h := with(key("private"), "BT-IDEMPOTENCY-KEY", "order-1")
	res1, body1 := f.do(t, "POST", "/tokens", h, `{"type":"token","data":"once"}`)
	require.Equal(t, http.StatusCreated, res1.StatusCode, "%s", body1)
	res2, body2 := f.do(t, "POST", "/tokens", h, `{"type":"token","data":"once"}`)
	require.Equal(t, http.StatusCreated, res2.StatusCode)
	assert.Equal(t, string(body1), string(body2), "the stored response is replayed")
	assert.Equal(t, res1.Header.Get("Content-Type"), res2.Header.Get("Content-Type"))
	assert.NotEqual(t, res1.Header.Get("BT-TRACE-ID"), res2.Header.Get("BT-TRACE-ID"), "each request keeps its own trace id")

	res, body := f.do(t, "GET", "/v2/tokens?type=token&size=100", key("private"), "")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, 1, countOf(string(body), `"data":"once"`), "one token was created")

	t.Run("another request under the same key conflicts", func(t *testing.T) {
		res, body := f.do(t, "POST", "/tokens", h, `{"type":"token","data":"twice"}`)
		require.Equal(t, http.StatusConflict, res.StatusCode, "%s", body)
		problem(t, res, body)
	})
	t.Run("keys are per caller", func(t *testing.T) {
		res, body := f.do(t, "POST", "/tokens", with(key("masked"), "BT-IDEMPOTENCY-KEY", "order-1"), `{"type":"token","data":"once"}`)
		require.Equal(t, http.StatusCreated, res.StatusCode)
		assert.NotEqual(t, string(body1), string(body))
	})
	t.Run("a failure is not stored", func(t *testing.T) {
		h := with(key("private"), "BT-IDEMPOTENCY-KEY", "order-2")
		res, _ := f.do(t, "POST", "/tokens", h, `{"type":"card_number","data":"4242424242424241"}`)
		require.Equal(t, http.StatusBadRequest, res.StatusCode)
		res, _ = f.do(t, "POST", "/tokens", h, `{"type":"card_number","data":"4242424242424241"}`)
		assert.Equal(t, http.StatusBadRequest, res.StatusCode, "the retry runs again")
		res, _ = f.do(t, "POST", "/tokens", h, `{"type":"card_number","data":"4242424242424242"}`)
		assert.Equal(t, http.StatusCreated, res.StatusCode, "and a corrected request under the same key runs")
	})
	t.Run("ignored on GET and DELETE", func(t *testing.T) {
		h := with(key("private"), "BT-IDEMPOTENCY-KEY", "del-1")
		res, _ := f.do(t, "DELETE", "/tokens/{token}", h, "")
		require.Equal(t, http.StatusNoContent, res.StatusCode)
		res, _ = f.do(t, "DELETE", "/tokens/{token}", h, "")
		assert.Equal(t, http.StatusNotFound, res.StatusCode, "a DELETE is never replayed")
	})
	t.Run("on PATCH and PUT", func(t *testing.T) {
		h := with(key("private"), "BT-IDEMPOTENCY-KEY", "patch-1", "Content-Type", "application/merge-patch+json")
		res1, b1 := f.do(t, "PATCH", "/tokens/{card}", h, `{"metadata":{"n":"1"}}`)
		require.Equal(t, http.StatusOK, res1.StatusCode)
		res2, b2 := f.do(t, "PATCH", "/tokens/{card}", h, `{"metadata":{"n":"1"}}`)
		require.Equal(t, http.StatusOK, res2.StatusCode)
		assert.Equal(t, string(b1), string(b2))
		hm := with(key("mgmt"), "BT-IDEMPOTENCY-KEY", "put-1")
		res1, b1 = f.do(t, "PUT", "/tenants/self", hm, `{"name":"Renamed"}`)
		require.Equal(t, http.StatusOK, res1.StatusCode)
		res2, b2 = f.do(t, "PUT", "/tenants/self", hm, `{"name":"Renamed"}`)
		require.Equal(t, http.StatusOK, res2.StatusCode)
		assert.Equal(t, string(b1), string(b2), "modified_at is that of the first request")
	})
	t.Run("a key that is too long", func(t *testing.T) {
		long := make([]byte, 300)
		for i := range long {
			long[i] = 'k'
		}
		res, body := f.do(t, "POST", "/tokens", with(key("private"), "BT-IDEMPOTENCY-KEY", string(long)), `{"type":"token","data":"v"}`)
		require.Equal(t, http.StatusBadRequest, res.StatusCode)
		assert.Contains(t, problem(t, res, body).Errors, "BT-IDEMPOTENCY-KEY")
	})
}

// TestIdempotencyInFlight holds a first request inside the vault (the store
// blocks it once its token has committed, before the request completes)
// while a second with the same key arrives: the second is a conflict; once
// the first completes, a third replays it.
func TestIdempotencyInFlight(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	hold := &hookStore{Store: memory.New(), committed: func(ctx context.Context, wrote map[string]bool) {
		if wrote["tokens"] && vault.TraceID(ctx) == "first" {
			once.Do(func() {
				close(entered)
				<-release
			})
		}
	}}
	f := newFixtureOn(t, hold, nil)
	h := with(key("private"), "BT-IDEMPOTENCY-KEY", "slow-1")
	body := `{"type":"token","data":"slow"}`
	var wg sync.WaitGroup
	var firstStatus int
	var firstBody []byte
	wg.Go(func() {
		res, b := f.do(t, "POST", "/tokens", with(h, "BT-TRACE-ID", "first"), body)
		firstStatus, firstBody = res.StatusCode, b
	})
	<-entered
	res, b := f.do(t, "POST", "/tokens", h, body)
	assert.Equal(t, http.StatusConflict, res.StatusCode, "%s", b)
	problem(t, res, b)
	close(release)
	wg.Wait()
	require.Equal(t, http.StatusCreated, firstStatus)
	res, b = f.do(t, "POST", "/tokens", h, body)
	require.Equal(t, http.StatusCreated, res.StatusCode)
	assert.Equal(t, string(firstBody), string(b))
}

func countOf(s, sub string) int {
	n := 0
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			n++
		}
	}
	return n
}
