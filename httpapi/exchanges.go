package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/tokenvault/vault"
)

// createExchangeTemplate serves POST /exchange-templates.
func (h *handler) createExchangeTemplate(c *call) (int, any, error) {
	var req vault.CreateExchangeTemplateRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	t, err := h.v.CreateExchangeTemplate(c.ctx, req)
	return http.StatusCreated, t, err
}

// listExchangeTemplates serves GET /exchange-templates: an offset page of
// the official templates and the tenant's private ones, optionally of the
// names matching ?name= (a wildcard pattern) and of one ?source_token_type=.
func (h *handler) listExchangeTemplates(c *call) (int, any, error) {
	q := c.r.URL.Query()
	page, size, name, typ, err := exchangeListParams(q)
	if err != nil {
		return 0, nil, err
	}
	res, err := h.v.ListExchangeTemplates(c.ctx, vault.ListExchangeTemplatesRequest{Name: name, SourceTokenType: typ, Page: page, Size: size})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, offsetOf(res), nil
}

// exchangeListParams reads the query of the two exchange lists: page,
// size, name and source_token_type.
func exchangeListParams(q url.Values) (page, size int, name, typ string, err error) {
	if page, size, err = offsetParams(q); err != nil {
		return
	}
	if name, err = single(q, "name"); err != nil {
		return
	}
	typ, err = single(q, "source_token_type")
	return
}

// getExchangeTemplate serves GET /exchange-templates/{id}.
func (h *handler) getExchangeTemplate(c *call) (int, any, error) {
	t, err := h.v.GetExchangeTemplate(c.ctx, c.id("id"))
	return http.StatusOK, t, err
}

// updateExchangeTemplate serves PUT /exchange-templates/{id}: the template
// is replaced.
func (h *handler) updateExchangeTemplate(c *call) (int, any, error) {
	var req vault.UpdateExchangeTemplateRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	t, err := h.v.UpdateExchangeTemplate(c.ctx, c.id("id"), req)
	return http.StatusOK, t, err
}

// deleteExchangeTemplate serves DELETE /exchange-templates/{id}.
func (h *handler) deleteExchangeTemplate(c *call) (int, any, error) {
	return http.StatusNoContent, nil, h.v.DeleteExchangeTemplate(c.ctx, c.id("id"))
}

// exchangeJSON is an exchange as the REST API returns it: with its
// configuration in plaintext, where vault.Exchange's JSON redacts it
// (vault.Secrets). The vault has left it out already for callers without
// exchange:read.
type exchangeJSON struct {
	*vault.Exchange
	Configuration map[string]string `json:"configuration"`
}

func exchangeBody(e *vault.Exchange) any {
	if e == nil {
		return nil
	}
	return exchangeJSON{Exchange: e, Configuration: e.Configuration.Reveal()}
}

// exchangeRequest is the body of POST and PUT /exchanges. The
// configuration's values stay raw, so that each may be sent as a JSON
// string, boolean or number (see exchangeConfig).
type exchangeRequest struct {
	Name          string                     `json:"name"`
	Configuration map[string]json.RawMessage `json:"configuration"`
	Template      *vault.ExchangeTemplateRef `json:"template"`
}

// exchangeConfig turns the configuration of an exchange's body into the
// strings the vault takes: a string as it is, a boolean as "true" or
// "false", a number as its literal text exactly as sent. Anything else (an
// object, an array, null) is a field error "configuration.<name>", whose
// message does not repeat the value.
func exchangeConfig(raw map[string]json.RawMessage) (vault.Secrets, error) {
	if raw == nil {
		return nil, nil
	}
	out := make(vault.Secrets, len(raw))
	var fields map[string][]string
	for name, val := range raw {
		val = bytes.TrimSpace(val)
		switch {
		case len(val) > 0 && val[0] == '"':
			var s string
			if err := json.Unmarshal(val, &s); err != nil {
				return nil, bodyError("the request body is not valid JSON")
			}
			out[name] = s
		case string(val) == "true", string(val) == "false":
			out[name] = string(val)
		case len(val) > 0 && (val[0] == '-' || val[0] >= '0' && val[0] <= '9'):
			out[name] = string(val)
		default:
			if fields == nil {
				fields = map[string][]string{}
			}
			fields[joinPath("configuration", name)] = []string{"must be a string, boolean or number"}
		}
	}
	if fields != nil {
		return nil, &vault.Error{Kind: vault.KindInvalid, Op: "DecodeRequest", Detail: "one or more validation errors occurred", Fields: fields}
	}
	return out, nil
}

// createExchange serves POST /exchanges.
func (h *handler) createExchange(c *call) (int, any, error) {
	var b exchangeRequest
	if err := c.decode(&b); err != nil {
		return 0, nil, err
	}
	config, err := exchangeConfig(b.Configuration)
	if err != nil {
		return 0, nil, err
	}
	e, err := h.v.CreateExchange(c.ctx, vault.CreateExchangeRequest{Name: b.Name, Configuration: config, Template: b.Template})
	return http.StatusCreated, exchangeBody(e), err
}

// listExchanges serves GET /exchanges: an offset page, optionally of the
// given ids (?id=, repeatable), of the names matching ?name= (a wildcard
// pattern) and of the templates of one ?source_token_type=.
func (h *handler) listExchanges(c *call) (int, any, error) {
	q := c.r.URL.Query()
	page, size, name, typ, err := exchangeListParams(q)
	if err != nil {
		return 0, nil, err
	}
	res, err := h.v.ListExchanges(c.ctx, vault.ListExchangesRequest{IDs: q["id"], Name: name, SourceTokenType: typ, Page: page, Size: size})
	if err != nil {
		return 0, nil, err
	}
	out := &vault.Page[any]{Data: make([]any, len(res.Data)), Pagination: res.Pagination}
	for i, e := range res.Data {
		out.Data[i] = exchangeBody(e)
	}
	return http.StatusOK, offsetOf(out), nil
}

// getExchange serves GET /exchanges/{id}.
func (h *handler) getExchange(c *call) (int, any, error) {
	e, err := h.v.GetExchange(c.ctx, c.id("id"))
	return http.StatusOK, exchangeBody(e), err
}

// updateExchange serves PUT /exchanges/{id}: the name and configuration are
// replaced; the template stays (a template in the body is ignored).
func (h *handler) updateExchange(c *call) (int, any, error) {
	var b exchangeRequest
	if err := c.decode(&b); err != nil {
		return 0, nil, err
	}
	config, err := exchangeConfig(b.Configuration)
	if err != nil {
		return 0, nil, err
	}
	e, err := h.v.UpdateExchange(c.ctx, c.id("id"), vault.UpdateExchangeRequest{Name: b.Name, Configuration: config})
	return http.StatusOK, exchangeBody(e), err
}

// deleteExchange serves DELETE /exchanges/{id}.
func (h *handler) deleteExchange(c *call) (int, any, error) {
	return http.StatusNoContent, nil, h.v.DeleteExchange(c.ctx, c.id("id"))
}

// exchangeTokenRequest is the body of POST /exchanges/{id}/exchange.
type exchangeTokenRequest struct {
	TokenID string `json:"token_id"`
}

// exchangeToken serves POST /exchanges/{id}/exchange: 201 with the new
// token as POST /tokens returns a created one, or the failure of the
// template's code rendered as a reactor's (see reactorErrorResponse).
func (h *handler) exchangeToken(c *call) (int, any, error) {
	var req exchangeTokenRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	tok, err := h.v.Exchange(c.ctx, c.id("id"), req.TokenID)
	return http.StatusCreated, tok, err
}
