package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault/storage"
	"github.com/tokenvault/vault/storage/memory"
)

// downStore is a store whose reads fail while down is set.
type downStore struct {
	storage.Store
	down atomic.Bool
}

func (s *downStore) View(ctx context.Context, fn func(storage.Tx) error) error {
	if s.down.Load() {
		return errors.New("connection refused")
	}
	return s.Store.View(ctx, fn)
}

// TestHealthProbes: /healthz and /readyz answer without an API key;
// /readyz turns 503 while the store does not answer and once the vault is
// closed, naming the failed check and nothing of the store's error.
func TestHealthProbes(t *testing.T) {
	store := &downStore{Store: memory.New()}
	f := newFixtureOn(t, store, nil)
	for _, tc := range []struct {
		name, path string
		down, shut bool
		status     int
		want       string
	}{
		{"alive", "/healthz", false, false, http.StatusOK, `{"status":"ok"}`},
		{"ready", "/readyz", false, false, http.StatusOK, `{"status":"ready"}`},
		{"store down: alive", "/healthz", true, false, http.StatusOK, `{"status":"ok"}`},
		{"store down: not ready", "/readyz", true, false, http.StatusServiceUnavailable, "the store does not answer"},
		{"store back", "/readyz", false, false, http.StatusOK, `{"status":"ready"}`},
		{"closed", "/readyz", false, true, http.StatusServiceUnavailable, "the vault is closed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store.down.Store(tc.down)
			if tc.shut {
				require.NoError(t, f.v.Close())
			}
			res, body := f.do(t, http.MethodGet, tc.path, nil, "")
			assert.Equal(t, tc.status, res.StatusCode, "%s", body)
			assert.Contains(t, string(body), tc.want)
			assert.NotContains(t, string(body), "connection refused")
		})
	}
	res, _ := f.do(t, http.MethodPost, "/healthz", nil, "")
	assert.Equal(t, http.StatusMethodNotAllowed, res.StatusCode)
}

// TestAccessLogDurationInMilliseconds: the access log line gives the
// request's duration as a number of milliseconds under duration_ms.
func TestAccessLogDurationInMilliseconds(t *testing.T) {
	f := newFixture(t, nil)
	res, _ := f.do(t, http.MethodGet, "/healthz", nil, "")
	require.Equal(t, http.StatusOK, res.StatusCode)
	var line map[string]any
	for l := range strings.Lines(f.logs.String()) {
		if strings.Contains(l, `"route":"GET /healthz"`) {
			require.NoError(t, json.Unmarshal([]byte(l), &line))
		}
	}
	require.NotNil(t, line, "the request was logged: %s", f.logs.String())
	ms, ok := line["duration_ms"].(float64)
	assert.True(t, ok, "duration_ms is a number: %v", line["duration_ms"])
	assert.GreaterOrEqual(t, ms, 0.0)
	assert.NotContains(t, line, "duration")
}
