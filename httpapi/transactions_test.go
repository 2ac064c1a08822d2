package httpapi_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTransactionRoutes(t *testing.T) {
	f := newFixture(t, nil)
	res, body := f.do(t, "POST", "/transactions", key("private"), "")
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", body)
	var txn struct {
		ID        string `json:"id"`
		CreatedAt string `json:"created_at"`
		CreatedBy string `json:"created_by"`
		ExpiresAt string `json:"expires_at"`
	}
	require.NoError(t, json.Unmarshal(body, &txn))
	require.NotEmpty(t, txn.ID)
	assert.NotEmpty(t, txn.CreatedAt)
	assert.NotEmpty(t, txn.CreatedBy)
	assert.NotEmpty(t, txn.ExpiresAt)
	in := with(key("private"), "BT-TRANSACTION-ID", txn.ID)

	res, body = f.do(t, "POST", "/tokens", in, `{"id":"staged_token","type":"token","data":"in a transaction"}`)
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", body)
	res, _ = f.do(t, "GET", "/tokens/staged_token", key("private"), "")
	assert.Equal(t, http.StatusNotFound, res.StatusCode, "invisible outside the transaction")
	res, body = f.do(t, "GET", "/tokens/staged_token", in, "")
	assert.Equal(t, http.StatusOK, res.StatusCode, "visible inside: %s", body)

	res, body = f.do(t, "POST", "/transactions/"+txn.ID+"/commit", key("private"), "")
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	assert.Empty(t, body)
	res, _ = f.do(t, "GET", "/tokens/staged_token", key("private"), "")
	assert.Equal(t, http.StatusOK, res.StatusCode, "visible after commit")

	res, _ = f.do(t, "POST", "/transactions/"+txn.ID+"/commit", key("private"), "")
	assert.Equal(t, http.StatusConflict, res.StatusCode, "a committed transaction cannot commit again")
	res, _ = f.do(t, "POST", "/transactions/"+txn.ID+"/rollback", key("private"), "")
	assert.Equal(t, http.StatusConflict, res.StatusCode)
	res, _ = f.do(t, "POST", "/transactions/no-such-id/rollback", key("private"), "")
	assert.Equal(t, http.StatusNotFound, res.StatusCode)

	// A rollback discards what was staged.
	res, body = f.do(t, "POST", "/transactions", key("private"), "")
	require.Equal(t, http.StatusCreated, res.StatusCode)
	require.NoError(t, json.Unmarshal(body, &txn))
	in = with(key("private"), "BT-TRANSACTION-ID", txn.ID)
	res, body = f.do(t, "POST", "/tokenize", in, `{"a":"one","b":"two"}`)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	var ids map[string]string
	require.NoError(t, json.Unmarshal(body, &ids))
	res, _ = f.do(t, "POST", "/transactions/"+txn.ID+"/rollback", key("private"), "")
	require.Equal(t, http.StatusOK, res.StatusCode)
	res, _ = f.do(t, "GET", "/tokens/"+ids["a"], key("private"), "")
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
}
