package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/tokenvault/vault"
)

// The connector provisioning API (seed 004): the IXOPAY face of
// orchestration. It has its own authentication (HTTP Basic: user = an
// application id, password = one of its API keys), its own envelope
// ({success, errorCode, errorMessage} and the resource) and its own codes;
// see the package documentation ("Connector provisioning API").

// IXOPAY error codes.
const (
	ixUnauthorized  = 1000 // missing or wrong credentials, or a permission the caller lacks
	ixInvalid       = 1001 // the request is invalid (malformed JSON, a rule of no particular kind)
	ixValue         = 1002 // a value not among the allowed ones
	ixFormat        = 1003 // the wrong format, type or length
	ixCharacters    = 1004 // characters that are not allowed
	ixRequired      = 1005 // a mandatory member is missing
	ixNotApplicable = 1006 // a member that does not apply (unknown ones included)
	ixNotFound      = 1007 // the entity does not exist
	ixInternal      = 9999 // anything else; the cause is logged, never sent
)

const ixInternalMessage = "Internal server error"

// ixReasonCodes maps the root's field reasons to codes; a path without a
// reason (or ReasonInvalid) is 1001.
var ixReasonCodes = map[vault.FieldReason]int{
	vault.ReasonValue:         ixValue,
	vault.ReasonFormat:        ixFormat,
	vault.ReasonCharacters:    ixCharacters,
	vault.ReasonRequired:      ixRequired,
	vault.ReasonNotApplicable: ixNotApplicable,
	vault.ReasonNotFound:      ixNotFound,
}

// ixError is a failure in this API's terms.
type ixError struct {
	status  int
	code    int
	message string
}

func (e *ixError) Error() string { return e.message }

func ixFail(code int, field, msg string) *ixError {
	status := http.StatusUnprocessableEntity
	switch code {
	case ixUnauthorized:
		return &ixError{status: http.StatusUnauthorized, code: code, message: "Unauthorized"}
	case ixInternal:
		return &ixError{status: http.StatusInternalServerError, code: code, message: ixInternalMessage}
	}
	return &ixError{status: status, code: code, message: field + ": " + msg}
}

// ixEnvelope is the body of a failure.
type ixEnvelope struct {
	Success      bool   `json:"success"`
	ErrorCode    int    `json:"errorCode,omitempty"`
	ErrorMessage string `json:"errorMessage,omitempty"`
}

// ixEndpoint serves one route: it returns the member name and value of a
// success ({"success":true,"<name>":value}), or value alone when name is
// empty (it then holds its own success member).
type ixEndpoint func(c *ixCall) (name string, value any, err error)

// ixCall is one authenticated request of this API.
type ixCall struct {
	r    *http.Request
	ctx  context.Context
	body []byte
	// notFound names the path parameter a KindNotFound error is about.
	notFound string
}

// ixopayRoutes registers every route of the API, at the root and under
// /api/provisioning/. They are not in h.patterns: that list is of the
// routes that answer ProblemDetails.
func (h *handler) ixopayRoutes() {
	for _, prefix := range []string{"", "/api/provisioning"} {
		h.ixHandle("POST "+prefix+"/createMerchant", "", h.ixCreateMerchant)
		h.ixHandle("GET "+prefix+"/getMerchant/{merchantGuid}", "merchantGuid", h.ixGetMerchant)
		h.ixHandle("GET "+prefix+"/listMerchants", "", h.ixListMerchants)
		h.ixHandle("POST "+prefix+"/archiveMerchant/{merchantGuid}", "merchantGuid", h.ixArchiveMerchant)
		h.ixHandle("POST "+prefix+"/createConnector/{merchantGuid}", "merchantGuid", h.ixCreateConnector)
		h.ixHandle("POST "+prefix+"/updateConnector/{connectorGuid}", "connectorGuid", h.ixUpdateConnector)
		h.ixHandle("GET "+prefix+"/getConnector/{connectorGuid}", "connectorGuid", h.ixGetConnector)
		h.ixHandle("GET "+prefix+"/listConnectors/{merchantGuid}", "merchantGuid", h.ixListConnectors)
		h.ixHandle("POST "+prefix+"/archiveConnector/{connectorGuid}", "connectorGuid", h.ixArchiveConnector)
		h.ixHandle("GET "+prefix+"/getConnectorSettings/{adapterId}", "adapterId", h.ixGetConnectorSettings)
		h.ixHandle("GET "+prefix+"/getConnectorSettings/{adapterId}/{merchantGuid}", "adapterId", h.ixGetConnectorSettings)
	}
}

func (h *handler) ixHandle(pattern, notFound string, fn ixEndpoint) {
	h.mux.Handle(pattern, h.ixServe(notFound, fn))
}

// ixServe is the pipeline of every route of this API: authenticate, read
// the body, run the endpoint, answer in the envelope.
func (h *handler) ixServe(notFound string, fn ixEndpoint) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec, ok := w.(*record)
		if !ok {
			rec = &record{ResponseWriter: w, trace: traceID(r.Header.Get(HeaderTraceID))}
			w.Header().Set(HeaderTraceID, rec.trace)
		}
		defer h.ixRecover(rec, r)
		c := &ixCall{r: r, notFound: notFound}
		name, value, err := h.ixBegin(rec, c)
		if err == nil {
			name, value, err = fn(c)
		}
		if err != nil {
			h.ixErrorResponse(rec, err, notFound).write(rec)
			return
		}
		res, err := ixSuccess(name, value)
		if err != nil {
			h.ixErrorResponse(rec, err, notFound).write(rec)
			return
		}
		res.write(rec)
	})
}

// ixBegin authenticates the request and reads its body.
func (h *handler) ixBegin(rec *record, c *ixCall) (string, any, error) {
	r := c.r
	user, key, ok := r.BasicAuth()
	if !ok || user == "" || key == "" {
		return "", nil, ixFail(ixUnauthorized, "", "")
	}
	p, err := h.v.Authenticate(r.Context(), key)
	if err != nil {
		if vault.KindOf(err) == vault.KindUnauthenticated {
			return "", nil, ixFail(ixUnauthorized, "", "")
		}
		return "", nil, err
	}
	if p.ApplicationID != user || p.SessionID != "" {
		return "", nil, ixFail(ixUnauthorized, "", "")
	}
	rec.tenant, rec.app = p.TenantID, p.ApplicationID
	c.ctx = vault.WithTraceID(vault.WithPrincipal(r.Context(), p), rec.trace)
	if r.Method == http.MethodPost {
		if c.body, err = h.readBody(rec, r); err != nil {
			return "", nil, err
		}
	}
	return "", nil, nil
}

// ixSuccess encodes {"success":true,"<name>":value}.
func ixSuccess(name string, value any) (response, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if name != "" {
		buf.WriteString(`{"success":true,`)
		nb, _ := json.Marshal(name)
		buf.Write(nb)
		buf.WriteByte(':')
	}
	if err := enc.Encode(value); err != nil {
		return response{}, &vault.Error{Kind: vault.KindInternal, Op: "EncodeResponse", Err: err}
	}
	if name != "" {
		buf.Truncate(buf.Len() - 1) // the encoder's newline
		buf.WriteString("}\n")
	}
	return response{status: http.StatusOK, contentType: contentJSON, body: buf.Bytes()}, nil
}

// ixErrorResponse is the envelope of err; an internal cause is kept on the
// record for the access log, the one place it goes.
func (h *handler) ixErrorResponse(rec *record, err error, notFound string) response {
	e := ixErrorFor(err, notFound)
	if e.code == ixInternal {
		rec.cause = err
	}
	b, mErr := json.Marshal(ixEnvelope{Success: false, ErrorCode: e.code, ErrorMessage: e.message})
	if mErr != nil {
		b = []byte(`{"success":false,"errorCode":9999,"errorMessage":"Internal server error"}`)
	}
	return response{status: e.status, contentType: contentJSON, body: append(b, '\n'), failed: true}
}

// ixErrorFor maps an error to its code (see the package documentation for
// the table).
func ixErrorFor(err error, notFound string) *ixError {
	if e, ok := errors.AsType[*ixError](err); ok {
		return e
	}
	ve, _ := errors.AsType[*vault.Error](err)
	switch vault.KindOf(err) {
	case vault.KindUnauthenticated, vault.KindForbidden:
		return ixFail(ixUnauthorized, "", "")
	case vault.KindInvalid:
		if ve != nil && len(ve.Fields) > 0 {
			paths := make([]string, 0, len(ve.Fields))
			for p := range ve.Fields {
				paths = append(paths, p)
			}
			slices.Sort(paths)
			path := paths[0]
			code, ok := ixReasonCodes[ve.Reasons[path]]
			if !ok {
				code = ixInvalid
			}
			msg := "is invalid"
			if len(ve.Fields[path]) > 0 {
				msg = ve.Fields[path][0]
			}
			if path == "" {
				path = "body"
			}
			return ixFail(code, path, msg)
		}
		return ixFail(ixInvalid, "body", ixDetail(ve, "the request is invalid"))
	case vault.KindPayloadTooLarge, vault.KindUnsupportedMediaType, vault.KindUnprocessable, vault.KindConflict:
		// A conflict is a concurrent update of the same connector: the
		// request was fine and may be sent again.
		return ixFail(ixInvalid, "body", ixDetail(ve, "the request is invalid"))
	case vault.KindNotFound:
		if notFound == "" {
			notFound = "body"
		}
		return ixFail(ixNotFound, notFound, ixDetail(ve, "not found"))
	}
	return ixFail(ixInternal, "", "")
}

func ixDetail(e *vault.Error, fallback string) string {
	if e == nil || e.Detail == "" {
		return fallback
	}
	return e.Detail
}

// ixRecover answers 9999 for a panicking endpoint; the panic value is not
// logged, as it may hold data.
func (h *handler) ixRecover(rec *record, r *http.Request) {
	p := recover()
	if p == nil {
		return
	}
	if p == http.ErrAbortHandler {
		panic(p)
	}
	h.log.LogAttrs(r.Context(), slog.LevelError, "panic serving request",
		slog.String("trace_id", rec.trace), slog.String("route", r.Pattern), slog.String("stack", string(debug.Stack())))
	err := errors.New("panic in handler")
	if rec.status == 0 {
		h.ixErrorResponse(rec, err, "").write(rec)
	} else {
		rec.cause = err
	}
}

// Merchants.

func (h *handler) ixCreateMerchant(c *ixCall) (string, any, error) {
	members, err := ixObject(c.body, "body", nil)
	if err != nil {
		return "", nil, err
	}
	var req vault.CreateMerchantRequest
	for _, m := range members {
		switch m.name {
		case "name":
			err = ixString(m, &req.Name)
		case "description":
			err = ixString(m, &req.Description)
		default:
			err = ixUnknown(m)
		}
		if err != nil {
			return "", nil, err
		}
	}
	mer, err := h.v.CreateMerchant(c.ctx, req)
	return "merchant", mer, err
}

func (h *handler) ixGetMerchant(c *ixCall) (string, any, error) {
	m, err := h.v.GetMerchant(c.ctx, c.r.PathValue("merchantGuid"))
	return "merchant", m, err
}

func (h *handler) ixListMerchants(c *ixCall) (string, any, error) {
	ms, err := h.v.ListMerchants(c.ctx)
	return "merchants", ms, err
}

func (h *handler) ixArchiveMerchant(c *ixCall) (string, any, error) {
	m, err := h.v.ArchiveMerchant(c.ctx, c.r.PathValue("merchantGuid"))
	return "merchant", m, err
}

// Connectors.

func (h *handler) ixCreateConnector(c *ixCall) (string, any, error) {
	req, err := ixConnectorRequest(c.body)
	if err != nil {
		return "", nil, err
	}
	conn, err := h.v.CreateConnector(c.ctx, c.r.PathValue("merchantGuid"), *req)
	return "connector", ixPublic(conn), err
}

func (h *handler) ixUpdateConnector(c *ixCall) (string, any, error) {
	req, err := ixConnectorRequest(c.body)
	if err != nil {
		return "", nil, err
	}
	conn, err := h.v.UpdateConnector(c.ctx, c.r.PathValue("connectorGuid"), *req)
	return "connector", ixPublic(conn), err
}

func (h *handler) ixGetConnector(c *ixCall) (string, any, error) {
	conn, err := h.v.GetConnector(c.ctx, c.r.PathValue("connectorGuid"))
	return "connector", ixPublic(conn), err
}

func (h *handler) ixListConnectors(c *ixCall) (string, any, error) {
	conns, err := h.v.ListConnectors(c.ctx, c.r.PathValue("merchantGuid"))
	out := make([]ixConnector, 0, len(conns))
	for _, conn := range conns {
		out = append(out, ixConnector{Connector: conn})
	}
	return "connectors", out, err
}

func (h *handler) ixArchiveConnector(c *ixCall) (string, any, error) {
	conn, err := h.v.ArchiveConnector(c.ctx, c.r.PathValue("connectorGuid"))
	return "connector", ixPublic(conn), err
}

// ixGetConnectorSettings serves both getConnectorSettings routes: with a
// merchantGuid, the merchant must exist (the settings are the same).
func (h *handler) ixGetConnectorSettings(c *ixCall) (string, any, error) {
	if guid := c.r.PathValue("merchantGuid"); guid != "" {
		if _, err := h.v.GetMerchant(c.ctx, guid); err != nil {
			if vault.KindOf(err) == vault.KindNotFound {
				return "", nil, ixErrorFor(err, "merchantGuid")
			}
			return "", nil, err
		}
	}
	s, err := h.v.GetConnectorSettings(c.ctx, c.r.PathValue("adapterId"))
	if err != nil {
		return "", nil, err
	}
	return "", ixSettings{Success: true, ConnectorSettings: s}, nil
}

type ixSettings struct {
	Success bool `json:"success"`
	*vault.ConnectorSettings
}

// ixConnector is a connector as this API answers it: the vault's JSON, with
// the shared secret in plaintext when this call generated it (the vault's
// Secret encodes redacted).
type ixConnector struct {
	*vault.Connector
	SharedSecret string `json:"sharedSecret,omitempty"`
}

func ixPublic(c *vault.Connector) *ixConnector {
	if c == nil {
		return nil
	}
	return &ixConnector{Connector: c, SharedSecret: c.SharedSecret.Reveal()}
}

// Request decoding. Bodies are walked member by member so that unknown
// members (1006), duplicates and the seed's alternative spellings are seen;
// a member whose value is null is not given.

// ixMember is one member of a JSON object, with its path for errors.
type ixMember struct {
	name string // the canonical spelling
	path string
	raw  json.RawMessage
}

// ixAliases are the seed's alternative spellings (its second example),
// accepted on input.
var (
	ixAliases       = map[string]string{"Adapter": "adapter", "APIKey": "apiKey", "MerchantGUID": "merchantGuid", "scheduleAPIAvailable": "scheduleApiAvailable"}
	ixConfigAliases = map[string]string{"APISecret": "apiSecret"}
)

// ixSafeName matches a member name that an errorMessage may repeat.
var ixSafeName = regexp.MustCompile(`^[A-Za-z0-9_:.\-]{1,64}$`)

func ixPath(prefix, name string) string {
	if !ixSafeName.MatchString(name) {
		return prefix
	}
	if prefix == "" || prefix == "body" {
		return name
	}
	return prefix + "." + name
}

// ixObject decodes a JSON object into its members, in order, refusing
// duplicates (an alias counts as its canonical name). A null value is
// dropped.
func ixObject(body []byte, path string, aliases map[string]string) ([]ixMember, error) {
	if path == "body" {
		if len(bytes.TrimSpace(body)) == 0 {
			return nil, ixFail(ixInvalid, "body", "a JSON request body is required")
		}
		if err := checkBody(body); err != nil {
			return nil, err
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, ixFail(ixInvalid, path, "is not valid JSON")
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		if path == "body" { // the request as a whole, not a member of it
			return nil, ixFail(ixInvalid, path, "must be a JSON object")
		}
		return nil, ixFail(ixFormat, path, "must be a JSON object")
	}
	var out []ixMember
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, ixFail(ixInvalid, path, "is not valid JSON")
		}
		name, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, ixFail(ixInvalid, path, "is not valid JSON")
		}
		if canon, ok := aliases[name]; ok {
			name = canon
		}
		p := ixPath(path, name)
		if seen[name] {
			return nil, ixFail(ixInvalid, p, "is given more than once")
		}
		seen[name] = true
		if bytes.Equal(raw, []byte("null")) {
			continue
		}
		out = append(out, ixMember{name: name, path: p, raw: raw})
	}
	if _, err := dec.Token(); err != nil {
		return nil, ixFail(ixInvalid, path, "is not valid JSON")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, ixFail(ixInvalid, path, "must hold exactly one JSON value")
	}
	return out, nil
}

// ixUnknown is the 1006 of a member the request does not have: named when
// its name is a plain identifier, otherwise by the object holding it.
func ixUnknown(m ixMember) error {
	if !ixSafeName.MatchString(m.name) {
		return ixFail(ixNotApplicable, m.path, "holds a member that is not applicable")
	}
	return ixFail(ixNotApplicable, m.path, "is not applicable")
}

// ixDecode decodes a member's value into dst, refusing unknown members of
// nested objects.
func ixDecode(m ixMember, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(m.raw))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return ixDecodeError(m.path, err)
	}
	return nil
}

func ixDecodeError(path string, err error) error {
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		p := path
		if te.Field != "" {
			p = ixPath(path, te.Field)
		}
		return ixFail(ixFormat, p, "must be "+ixTypeName(te.Type))
	}
	if strings.HasPrefix(err.Error(), "json: unknown field ") {
		return ixFail(ixNotApplicable, path, "holds a member that is not applicable")
	}
	return ixFail(ixInvalid, path, "is not valid")
}

func ixTypeName(t reflect.Type) string {
	if t == nil {
		return "of another type"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16,
		reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "of another type"
}

func ixString(m ixMember, dst *string) error { return ixDecode(m, dst) }

func ixStringPtr(m ixMember) (*string, error) {
	var s string
	if err := ixDecode(m, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

func ixSecret(m ixMember) (*vault.Secret, error) {
	var s string
	if err := ixDecode(m, &s); err != nil {
		return nil, err
	}
	sec := vault.NewSecret(s)
	return &sec, nil
}

func ixBool(m ixMember) (*bool, error) {
	var b bool
	if err := ixDecode(m, &b); err != nil {
		return nil, err
	}
	return &b, nil
}

func ixInt(m ixMember) (*int64, error) {
	var n int64
	if err := ixDecode(m, &n); err != nil {
		return nil, err
	}
	return &n, nil
}

// ixSettingsMap decodes settings or addSettings: values may be strings,
// numbers (kept as their literal text) or booleans.
func ixSettingsMap(m ixMember) (map[string]string, error) {
	members, err := ixObject(m.raw, m.path, nil)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(members))
	for _, e := range members {
		raw := bytes.TrimSpace(e.raw)
		switch {
		case len(raw) > 0 && raw[0] == '"':
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return nil, ixFail(ixFormat, e.path, "must be a string, number or boolean")
			}
			out[e.name] = s
		case string(raw) == "true" || string(raw) == "false":
			out[e.name] = string(raw)
		case len(raw) > 0 && (raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9')):
			out[e.name] = string(raw)
		default:
			return nil, ixFail(ixFormat, e.path, "must be a string, number or boolean")
		}
	}
	return out, nil
}

// ixRemoveSettings decodes removeSettings: an array of keys, or an object
// whose keys are removed.
func ixRemoveSettings(m ixMember) ([]string, error) {
	raw := bytes.TrimSpace(m.raw)
	if len(raw) > 0 && raw[0] == '{' {
		members, err := ixObject(raw, m.path, nil)
		if err != nil {
			return nil, err
		}
		out := make([]string, 0, len(members))
		for _, e := range members {
			out = append(out, e.name)
		}
		return out, nil
	}
	var keys []string
	if err := ixDecode(m, &keys); err != nil {
		return nil, ixFail(ixFormat, m.path, "must be an array of keys or an object")
	}
	return keys, nil
}

// ixConnectorRequest decodes the body of createConnector and
// updateConnector.
func ixConnectorRequest(body []byte) (*vault.ConnectorRequest, error) {
	members, err := ixObject(body, "body", ixAliases)
	if err != nil {
		return nil, err
	}
	req := &vault.ConnectorRequest{}
	// A meta-connector member sent as null is removed (to change kind);
	// other null members are not given.
	var nulls map[string]json.RawMessage
	if json.Unmarshal(body, &nulls) == nil {
		req.ClearRoutingMetaConnector = bytes.Equal(bytes.TrimSpace(nulls["routingMetaConnector"]), []byte("null"))
		req.ClearMultiMethodMetaConnector = bytes.Equal(bytes.TrimSpace(nulls["multiMethodMetaConnector"]), []byte("null"))
	}
	for _, m := range members {
		var err error
		switch m.name {
		case "name":
			req.Name, err = ixStringPtr(m)
		case "adapter":
			req.Adapter, err = ixStringPtr(m)
		case "method":
			req.Method, err = ixStringPtr(m)
		case "apiKey":
			req.APIKey, err = ixSecret(m)
		case "publicIntegrationKey":
			req.PublicIntegrationKey, err = ixStringPtr(m)
		case "sharedSecret":
			req.SharedSecret, err = ixSecret(m)
		case "businessCountry":
			req.BusinessCountry, err = ixStringPtr(m)
		case "config":
			req.Config, err = ixConfig(m)
		case "description":
			req.Description, err = ixStringPtr(m)
		case "customerProfileContainer":
			req.CustomerProfileContainer, err = ixInt(m)
		case "disabled":
			req.Disabled, err = ixBool(m)
		case "disabledTransactionTypes":
			err = ixDecode(m, &req.DisabledTransactionTypes)
			if err == nil && req.DisabledTransactionTypes == nil {
				req.DisabledTransactionTypes = []string{}
			}
		case "postbackFormat":
			req.PostbackFormat, err = ixStringPtr(m)
		case "provider":
			req.Provider, err = ixStringPtr(m)
		case "scheduleApiAvailable":
			req.ScheduleAPIAvailable, err = ixBool(m)
		case "virtualTerminalAvailable":
			req.VirtualTerminalAvailable, err = ixBool(m)
		case "vtRiskRuleSet":
			req.VtRiskRuleSet, err = ixInt(m)
		case "defaultRiskRuleSet":
			req.DefaultRiskRuleSet, err = ixInt(m)
		case "alias":
			req.Alias, err = ixStringPtr(m)
		case "settings":
			req.Settings, err = ixSettingsMap(m)
		case "addSettings":
			req.AddSettings, err = ixSettingsMap(m)
		case "removeSettings":
			req.RemoveSettings, err = ixRemoveSettings(m)
		case "terminals":
			err = ixDecode(m, &req.Terminals)
			if err == nil && req.Terminals == nil {
				req.Terminals = []vault.Terminal{}
			}
		case "routingMetaConnector":
			req.RoutingMetaConnector = &vault.RoutingMetaConnector{}
			err = ixDecode(m, req.RoutingMetaConnector)
		case "multiMethodMetaConnector":
			req.MultiMethodMetaConnector = &vault.MultiMethodMetaConnector{}
			err = ixDecode(m, req.MultiMethodMetaConnector)
		case "guid", "merchantGuid", "createdAt", "isMetaConnector", "archived":
			// Read-only members of a connector as returned: ignored, so
			// that a connector read can be sent back.
		default:
			err = ixUnknown(m)
		}
		if err != nil {
			return nil, err
		}
	}
	return req, nil
}

// ixConfig decodes a connector's config.
func ixConfig(m ixMember) (*vault.ConnectorConfigRequest, error) {
	members, err := ixObject(m.raw, m.path, ixConfigAliases)
	if err != nil {
		return nil, err
	}
	cfg := &vault.ConnectorConfigRequest{}
	for _, e := range members {
		var err error
		switch e.name {
		case "username":
			cfg.Username, err = ixStringPtr(e)
		case "password":
			cfg.Password, err = ixSecret(e)
		case "apiSecret":
			cfg.APISecret, err = ixSecret(e)
		case "extraData":
			cfg.ExtraData = map[string]any{}
			err = ixDecode(e, &cfg.ExtraData)
		case "language":
			cfg.Language, err = ixStringPtr(e)
		case "testMode":
			cfg.TestMode, err = ixBool(e)
		case "vault":
			var vals map[string]string
			if err = ixDecode(e, &vals); err == nil {
				cfg.Vault = make(map[string]vault.Secret, len(vals))
				for k, v := range vals {
					cfg.Vault[k] = vault.NewSecret(v)
				}
			}
		default:
			err = ixUnknown(e)
		}
		if err != nil {
			return nil, err
		}
	}
	return cfg, nil
}
