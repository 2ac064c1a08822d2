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
	case http.StatusNotFound, http.StatusConflict:
		return Result{}, nil
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
