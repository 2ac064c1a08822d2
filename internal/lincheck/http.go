package lincheck

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// HTTP runs operations on a vault's REST API (package httpapi) with an API
// key that may create, read, update and delete tokens.
type HTTP struct {
	URL, Key string
	Client   *http.Client
}

// Apply runs in and maps its answer for the model: 404 and 409 are
// refusals (OK false); any other non-2xx status is an error, and so is a
// request that got no answer (the caller then records the call Unknown).
func (c HTTP) Apply(ctx context.Context, in Op) (Result, error) {
	if in.Kind == "txn" {
		return c.transaction(ctx, in)
	}
	var method, path, body, ctype string
	switch in.Kind {
	case "create":
		method, path, ctype = http.MethodPost, "/tokens", "application/json"
		body = fmt.Sprintf(`{"id":%q,"type":"token","data":"d","metadata":{"v":%q}}`, in.ID, in.Meta)
	case "get":
		method, path = http.MethodGet, "/tokens/"+url.PathEscape(in.ID)
	case "update":
		method, path, ctype = http.MethodPatch, "/tokens/"+url.PathEscape(in.ID), "application/merge-patch+json"
		body = fmt.Sprintf(`{"metadata":{"v":%q}}`, in.Meta)
	case "delete":
		method, path = http.MethodDelete, "/tokens/"+url.PathEscape(in.ID)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.URL+path, strings.NewReader(body))
	if err != nil {
		return Result{}, err
	}
	req.Header.Set("BT-API-KEY", c.Key)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	res, err := c.Client.Do(req)
	if err != nil {
		return Result{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return Result{}, err
	}
	switch res.StatusCode {
	case http.StatusOK, http.StatusCreated, http.StatusNoContent:
	case http.StatusNotFound:
		return Result{}, nil
	case http.StatusConflict:
		return Result{Conflict: true}, nil
	default:
		return Result{}, &StatusError{Status: res.StatusCode, Body: string(b)}
	}
	out := Result{OK: true}
	if in.Kind == "get" {
		var tok struct {
			Metadata map[string]string `json:"metadata"`
		}
		if err := json.Unmarshal(b, &tok); err != nil {
			return Result{}, err
		}
		out.Meta = tok.Metadata["v"]
	}
	return out, nil
}

// StatusError is an answer the model does not know: the server answered,
// so the call is not unknown but wrong.
type StatusError struct {
	Status int
	Body   string
}

func (e *StatusError) Error() string { return fmt.Sprintf("status %d: %s", e.Status, e.Body) }

// transaction runs a txn operation: POST /transactions, a create of each id
// with BT-TRANSACTION-ID, and the commit; a create refused (409) rolls it
// back, and the operation failed.
func (c HTTP) transaction(ctx context.Context, in Op) (Result, error) {
	status, body, err := c.send(ctx, http.MethodPost, "/transactions", "", "")
	if err != nil {
		return Result{}, err
	}
	if status != http.StatusCreated {
		return Result{}, &StatusError{Status: status, Body: string(body)}
	}
	var txn struct{ ID string }
	if err := json.Unmarshal(body, &txn); err != nil {
		return Result{}, err
	}
	for _, id := range in.IDs {
		status, body, err := c.send(ctx, http.MethodPost, "/tokens", txn.ID,
			fmt.Sprintf(`{"id":%q,"type":"token","data":"d","metadata":{"v":%q}}`, id, in.Meta))
		if err != nil {
			return Result{}, err
		}
		switch status {
		case http.StatusCreated:
			continue
		case http.StatusConflict:
			if _, _, err := c.send(ctx, http.MethodPost, "/transactions/"+txn.ID+"/rollback", "", ""); err != nil {
				return Result{}, err
			}
			return Result{}, nil
		}
		return Result{}, &StatusError{Status: status, Body: string(body)}
	}
	status, body, err = c.send(ctx, http.MethodPost, "/transactions/"+txn.ID+"/commit", "", "")
	switch {
	case err != nil:
		return Result{}, err
	case status == http.StatusOK:
		return Result{OK: true}, nil
	case status == http.StatusConflict:
		return Result{}, nil
	}
	return Result{}, &StatusError{Status: status, Body: string(body)}
}

// send makes one request (in transaction txn when set).
func (c HTTP) send(ctx context.Context, method, path, txn, body string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.URL+path, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("BT-API-KEY", c.Key)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if txn != "" {
		req.Header.Set("BT-TRANSACTION-ID", txn)
	}
	res, err := c.Client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}
