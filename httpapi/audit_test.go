package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAuditLogRoutes(t *testing.T) {
	fx := newFixture(t, nil)
	// A read by the private application, then the log.
	res, _ := fx.do(t, "GET", "/tokens/{card}", key("private"), "")
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.NoError(t, fx.v.FlushAuditLog(t.Context()))

	for name, tc := range map[string]struct {
		url    string
		key    string
		status int
		fields []string
	}{
		"every entry":        {"/logs", "mgmt", http.StatusOK, nil},
		"one entity":         {"/logs?entity_type=card&entity_id={card}&size=5", "mgmt", http.StatusOK, nil},
		"dates":              {"/logs?start_date=2020-01-01&end_date=2999-01-01T00:00:00Z", "mgmt", http.StatusOK, nil},
		"without log:read":   {"/logs", "private", http.StatusForbidden, nil},
		"types without perm": {"/logs/entity-types", "private", http.StatusForbidden, nil},
		"entity types":       {"/logs/entity-types", "mgmt", http.StatusOK, nil},
		"bad start_date":     {"/logs?start_date=yesterday", "mgmt", http.StatusBadRequest, []string{"start_date"}},
		"bad end_date":       {"/logs?end_date=2024-13-01", "mgmt", http.StatusBadRequest, []string{"end_date"}},
		"end before start":   {"/logs?start_date=2024-02-01&end_date=2024-01-01", "mgmt", http.StatusBadRequest, []string{"end_date"}},
		"bad size":           {"/logs?size=abc", "mgmt", http.StatusBadRequest, []string{"size"}},
		"size too large":     {"/logs?size=1000", "mgmt", http.StatusBadRequest, []string{"size"}},
		"bad cursor":         {"/logs?start=xyz", "mgmt", http.StatusBadRequest, []string{"start"}},
		"entity_id alone":    {"/logs?entity_id={card}", "mgmt", http.StatusBadRequest, []string{"entity_id"}},
		"entity_type twice":  {"/logs?entity_type=card&entity_type=bank", "mgmt", http.StatusBadRequest, []string{"entity_type"}},
		"no key":             {"/logs", "", http.StatusUnauthorized, nil},
	} {
		t.Run(name, func(t *testing.T) {
			h := key(tc.key)
			if tc.key == "" {
				h = nil
			}
			res, b := fx.do(t, "GET", tc.url, h, "")
			require.Equal(t, tc.status, res.StatusCode, "%s", b)
			checkResponse(t, res, b)
			if tc.fields != nil {
				var p struct {
					Errors map[string][]string `json:"errors"`
				}
				require.NoError(t, json.Unmarshal(b, &p))
				for _, f := range tc.fields {
					assert.Contains(t, p.Errors, f)
				}
			}
		})
	}

	t.Run("entry of the read", func(t *testing.T) {
		res, b := fx.do(t, "GET", "/logs?entity_type=card&entity_id={card}", key("mgmt"), "")
		require.Equal(t, http.StatusOK, res.StatusCode)
		var page struct {
			Data []map[string]any `json:"data"`
		}
		require.NoError(t, json.Unmarshal(b, &page))
		require.Len(t, page.Data, 2) // created, then read: newest first
		got := page.Data[0]
		assert.Equal(t, "read", got["operation"])
		assert.Equal(t, "Token retrieved", got["message"])
		assert.Equal(t, fx.vars["private_app"], got["actor_id"])
		assert.Equal(t, "application", got["actor_type"])
		assert.Equal(t, "card", got["entity_type"])
		assert.Equal(t, fx.vars["card"], got["entity_id"])
		for _, k := range []string{"id", "tenant_id", "created_at"} {
			assert.NotEmpty(t, got[k], k)
		}
	})

	t.Run("cursor pagination", func(t *testing.T) {
		seen := map[string]bool{}
		next := ""
		pages := 0
		for {
			res, b := fx.do(t, "GET", "/logs?size=2&start="+url.QueryEscape(next), key("mgmt"), "")
			require.Equal(t, http.StatusOK, res.StatusCode, "%s", b)
			var page struct {
				Data       []map[string]any `json:"data"`
				Pagination struct {
					Next     string `json:"next"`
					PageSize int    `json:"page_size"`
				} `json:"pagination"`
			}
			require.NoError(t, json.Unmarshal(b, &page))
			assert.Equal(t, 2, page.Pagination.PageSize)
			for _, e := range page.Data {
				id := e["id"].(string)
				assert.False(t, seen[id], "entry %s twice", id)
				seen[id] = true
			}
			pages++
			if next = page.Pagination.Next; next == "" {
				break
			}
		}
		assert.Greater(t, pages, 2)
		assert.Greater(t, len(seen), 4)
	})

	t.Run("entity types", func(t *testing.T) {
		_, b := fx.do(t, "GET", "/logs/entity-types", key("mgmt"), "")
		var types []map[string]string
		require.NoError(t, json.Unmarshal(b, &types))
		assert.Contains(t, types, map[string]string{"display_name": "Card", "value": "card"})
		assert.Contains(t, types, map[string]string{"display_name": "Bank", "value": "bank"})
		assert.Contains(t, types, map[string]string{"display_name": "Application", "value": "application"})
		assert.Contains(t, types, map[string]string{"display_name": "US Bank Account Number", "value": "us_bank_account_number"})
	})
}

func FuzzAuditLogQuery(f *testing.F) {
	fuzzQuery(f, "/logs", "mgmt",
		"entity_type=card&entity_id={card}", "start_date=2024-01-01&end_date=2024-01-02", "start_date=2024-01-01T10:00:00.123Z",
		"end_date=2024-13-40", "start=xyz", "start=MDE5MmQ", "size=0", "size=100", "size=101", "entity_id=x",
		"start_date=2024-02-01&end_date=2024-01-01", "entity_type=card&entity_type=bank", "start_date=9999-12-31T23:59:59Z",
		"start_date=0001-01-01", "end_date=-0001-01-01T00:00:00Z")
}
