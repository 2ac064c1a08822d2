package vault_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"log/slog"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
)

// canary is the marker put in every secret field; canaryTail catches a
// partial leak.
const (
	canary     = "canary-7f3a9c1e-d05b-secret"
	canaryTail = "9c1e-d05b"
)

// secretFields are the names of the fields that hold secrets in the root
// package's exported types (keys, nonces, reactor configuration, replayed
// response bodies).
var secretFields = map[string]bool{"Key": true, "SessionKey": true, "SigningKey": true, "Nonce": true, "Configuration": true, "Body": true}

// fill sets every secret field reachable from v (a pointer) to marker,
// allocating pointers and one element of each slice of structs on the way.
// It works by reflection, whatever the field's type: a string, bytes, a map
// of strings, or a type that decodes a JSON string.
func fillSecrets(t *testing.T, v reflect.Value, marker string) {
	t.Helper()
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		fillSecrets(t, v.Elem(), marker)
	case reflect.Slice:
		if k := v.Type().Elem().Kind(); k == reflect.Struct || k == reflect.Pointer {
			v.Set(reflect.MakeSlice(v.Type(), 1, 1))
			fillSecrets(t, v.Index(0), marker)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			if secretFields[f.Name] {
				setSecret(t, v.Field(i), marker)
			} else {
				fillSecrets(t, v.Field(i), marker)
			}
		}
	}
}

func setSecret(t *testing.T, v reflect.Value, marker string) {
	t.Helper()
	switch {
	case v.Kind() == reflect.String:
		v.SetString(marker)
	case v.Type() == reflect.TypeFor[[]byte]():
		v.SetBytes([]byte(marker))
	case v.Kind() == reflect.Map:
		m := reflect.MakeMap(v.Type())
		m.SetMapIndex(reflect.ValueOf("api_key"), reflect.ValueOf(marker))
		v.Set(m)
	case v.Addr().Type().Implements(reflect.TypeFor[json.Unmarshaler]()):
		require.NoError(t, json.Unmarshal([]byte(`"`+marker+`"`), v.Addr().Interface()))
	default:
		t.Fatalf("cannot put a secret in a %s", v.Type())
	}
}

// revealed returns the plaintext of a secret field, whatever its type.
func plaintextOf(v reflect.Value) string {
	if v.Kind() == reflect.String {
		return v.String()
	}
	return v.MethodByName("Reveal").Call(nil)[0].String()
}

// renderings prints v in every way a program may print or log it.
func renderings(t *testing.T, v any) map[string]string {
	t.Helper()
	out := map[string]string{}
	elem := reflect.ValueOf(v).Elem().Interface() // the value, as well as the pointer
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		out["fmt "+verb] = fmt.Sprintf(verb, v)
		out["fmt "+verb+" of the value"] = fmt.Sprintf(verb, elem)
		out["fmt "+verb+" in a struct"] = fmt.Sprintf(verb, struct{ V any }{elem})
	}
	out["fmt.Sprint"] = fmt.Sprint(v, elem)
	out["fmt.Errorf"] = fmt.Errorf("failed with %v", elem).Error()
	for name, h := range map[string]func(*bytes.Buffer) slog.Handler{
		"slog text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		"slog JSON": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	} {
		var b bytes.Buffer
		log := slog.New(h(&b))
		log.Info("canary", "pointer", v, "value", elem)
		log.Info("canary", slog.Any("any", v), slog.Group("group", slog.Any("value", elem)))
		log.With("with", v).Info("canary")
		out[name] = b.String()
	}
	return out
}

func assertNoCanary(t *testing.T, what, s string) {
	t.Helper()
	assert.False(t, strings.Contains(s, canary) || strings.Contains(s, canaryTail), "%s shows the secret: %s", what, s)
}

// TestSecretCanary puts a marker in every secret field of every exported
// type of the root package that can hold one, and checks that no printing,
// encoding or logging of it shows the marker; then that failing calls given
// the marker, and the events and logs of calls that make keys, show neither
// the marker nor the keys.
func TestSecretCanary(t *testing.T) {
	values := []any{
		&vault.Application{}, &vault.ApplicationKey{}, &[]vault.ApplicationKey{},
		&vault.Session{}, &vault.AuthorizeSessionRequest{},
		&vault.Reactor{}, &vault.CreateReactorRequest{}, &vault.UpdateReactorRequest{},
		&vault.IdempotentResponse{},
		&vault.Page[*vault.Application]{}, &vault.Page[*vault.Reactor]{},
		&vault.Webhook{}, &vault.Page[*vault.Webhook]{},
	}
	for _, v := range values {
		typ := reflect.TypeOf(v).Elem()
		t.Run(typ.String(), func(t *testing.T) {
			fillSecrets(t, reflect.ValueOf(v), canary)
			require.Contains(t, mustJSONOrReveal(t, v), canary, "the marker is in place")
			for what, s := range renderings(t, v) {
				assertNoCanary(t, what, s)
			}
			b, err := json.Marshal(v)
			require.NoError(t, err)
			assertNoCanary(t, "encoding/json", string(b))
		})
	}

	t.Run("the vault itself", func(t *testing.T) {
		v := openTestVault(t)
		printed := fmt.Sprintf("%v %+v %#v", v, v, v)
		key, ok := v.TakeBootstrapKey()
		require.True(t, ok)
		plain := plaintextOf(reflect.ValueOf(key))
		require.NotEmpty(t, plain)
		assert.NotContains(t, printed, plain)
		assert.NotContains(t, fmt.Sprintf("%v %+v %#v %s", key, key, key, key), plain)
		b, _ := json.Marshal(key)
		assert.NotContains(t, string(b), plain)
	})

	t.Run("failing calls, events and logs", func(t *testing.T) {
		var mu sync.Mutex
		var events []vault.Event
		var logs bytes.Buffer
		v := openTestVault(t,
			vault.WithLogger(slog.New(slog.NewJSONHandler(&syncWriter{mu: &mu, w: &logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))),
			vault.WithEventHandler(func(_ context.Context, e vault.Event) {
				mu.Lock()
				defer mu.Unlock()
				events = append(events, e)
			}))
		ctx := t.Context()
		var secrets []string // every key and nonce the vault made
		secretOf := func(v any, field string) string {
			s := plaintextOf(reflect.ValueOf(v).Elem().FieldByName(field))
			require.NotEmpty(t, s, field)
			secrets = append(secrets, s)
			return s
		}
		pub, err := v.CreateApplication(ctx, vault.CreateApplicationRequest{Name: "web", Type: vault.AppPublic, Permissions: []string{vault.PermTokenCreate}})
		require.NoError(t, err)
		pvt, err := v.CreateApplication(ctx, vault.CreateApplicationRequest{Name: "api", Type: vault.AppPrivate, Permissions: []string{vault.PermTokenRead}})
		require.NoError(t, err)
		key, err := v.CreateApplicationKey(ctx, pvt.ID)
		require.NoError(t, err)
		_, tenantApp, err := v.CreateTenant(ctx, vault.CreateTenantRequest{Name: "other"})
		require.NoError(t, err)
		for _, a := range []any{pub, pvt, key, tenantApp} {
			secretOf(a, "Key")
		}
		public := authenticate(t, v, pub.Key)
		private := authenticate(t, v, pvt.Key)
		s, err := v.CreateSession(public)
		require.NoError(t, err)
		secretOf(s, "SessionKey")
		nonce := secretOf(s, "Nonce")
		var req vault.AuthorizeSessionRequest
		require.NoError(t, json.Unmarshal([]byte(`{"nonce":"`+nonce+`","permissions":["token:read"]}`), &req))
		require.NoError(t, v.AuthorizeSession(private, req))

		var errs []error
		_, err = v.Authenticate(ctx, canary)
		errs = append(errs, err)
		for _, perms := range [][]string{{vault.PermTokenRead}, {vault.PermTokenDelete}, {"token:" + canary}} {
			req := vault.AuthorizeSessionRequest{Permissions: perms}
			fillSecrets(t, reflect.ValueOf(&req), canary)
			errs = append(errs, v.AuthorizeSession(private, req))
		}
		req = vault.AuthorizeSessionRequest{}
		errs = append(errs, json.Unmarshal([]byte(`{"nonce":"`+canary+`","expires_at":"not a time"}`), &req))
		_, err = v.Authenticate(ctx, nonce) // a nonce is not a key
		errs = append(errs, err)
		for i, err := range errs {
			require.Error(t, err, "call %d", i)
			b, _ := json.Marshal(err)
			for _, s := range []string{err.Error(), fmt.Sprintf("%+v %#v", err, err), string(b)} {
				assertNoCanary(t, fmt.Sprintf("error %d", i), s)
				for _, secret := range secrets {
					assert.NotContains(t, s, secret, "error %d", i)
				}
			}
		}

		require.NoError(t, v.FlushEvents(ctx))
		mu.Lock()
		defer mu.Unlock()
		require.NotEmpty(t, events)
		all := fmt.Sprintf("%+v", events)
		b, err := json.Marshal(events)
		require.NoError(t, err)
		all += string(b) + logs.String()
		assertNoCanary(t, "events and logs", all)
		for _, secret := range secrets {
			assert.NotContains(t, all, secret, "events and logs")
		}
	})
}

// mustJSONOrReveal shows where the marker was put: the secret fields'
// plaintext, found by reflection.
func mustJSONOrReveal(t *testing.T, v any) string {
	t.Helper()
	var b strings.Builder
	var walk func(reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer:
			if !v.IsNil() {
				walk(v.Elem())
			}
		case reflect.Slice:
			if v.Type() == reflect.TypeFor[[]byte]() {
				b.Write(v.Bytes())
				return
			}
			for i := range v.Len() {
				walk(v.Index(i))
			}
		case reflect.Map:
			for _, k := range v.MapKeys() {
				b.WriteString(v.MapIndex(k).String())
			}
		case reflect.Struct:
			for i := range v.NumField() {
				f := v.Type().Field(i)
				if !f.IsExported() {
					continue
				}
				if secretFields[f.Name] && (v.Field(i).Kind() == reflect.String || v.Field(i).Kind() == reflect.Struct) {
					b.WriteString(plaintextOf(v.Field(i)))
				} else {
					walk(v.Field(i))
				}
			}
		}
	}
	walk(reflect.ValueOf(v))
	return b.String()
}

// syncWriter serializes writes of concurrent loggers.
type syncWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func TestSecret(t *testing.T) {
	s := vault.NewSecret(canary)
	assert.Equal(t, canary, s.Reveal())
	assert.False(t, s.IsZero())
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3s", "%T"} {
		got := fmt.Sprintf(verb, s)
		if verb == "%T" {
			assert.Equal(t, "vault.Secret", got)
			continue
		}
		assert.Equal(t, "[REDACTED]", got, verb)
	}
	// In a struct's unexported field fmt cannot call Format: it shows the
	// pointer, not the value.
	type holder struct{ s vault.Secret }
	assertNoCanary(t, "unexported field", fmt.Sprintf("%v %+v %#v", holder{s}, holder{s}, &holder{s}))

	b, err := json.Marshal(struct {
		K vault.Secret `json:"k"`
		Z vault.Secret `json:"z,omitzero"`
	}{K: s})
	require.NoError(t, err)
	assert.JSONEq(t, `{"k":"[REDACTED]"}`, string(b))

	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("m", "k", s)
	assert.Contains(t, buf.String(), `"k":"[REDACTED]"`)

	var zero vault.Secret
	assert.True(t, zero.IsZero())
	assert.Empty(t, zero.Reveal())
	assert.Empty(t, fmt.Sprintf("%v", zero), "the zero Secret has nothing to hide")
	assert.True(t, vault.NewSecret("").IsZero())

	var in struct {
		K vault.Secret `json:"k"`
	}
	require.NoError(t, json.Unmarshal([]byte(`{"k":"`+canary+`"}`), &in))
	assert.Equal(t, canary, in.K.Reveal())
	require.NoError(t, json.Unmarshal([]byte(`{"k":null}`), &in))
	assert.Equal(t, canary, in.K.Reveal(), "null leaves it")
	err = json.Unmarshal([]byte(`{"k":12345}`), &in)
	var te *json.UnmarshalTypeError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, "k", te.Field)
	assert.NotContains(t, err.Error(), "12345")
}

// TestSecretFieldsAreSecrets keeps new secret fields from arriving as
// strings: a field of an exported type of the root package whose name says
// it holds a key, secret, nonce, password or credential must be a
// vault.Secret (or be listed here with the reason it is not).
func TestSecretFieldsAreSecrets(t *testing.T) {
	notSecrets := map[string]string{
		"CreateApplicationRequest.CreateKey":    "a flag: whether to create a key",
		"ConnectionField.Key":                   "the name of a connection field (its Value is a Secret)",
		"ConnectionFieldValue.Key":              "the name of a connection field",
		"ConnectionFieldValue.Secret":           "a flag: the formula marks the field secret (its value is then absent)",
		"Connector.PublicIntegrationKey":        "public by design: payment.js uses it in the browser",
		"ConnectorRequest.PublicIntegrationKey": "public by design: payment.js uses it in the browser",
	}
	name := regexp.MustCompile(`(?i)(key|secret|nonce|password|passphrase|credentials?)$`)
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	checked := 0
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		require.NoError(t, err)
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok || !ts.Name.IsExported() {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return true
			}
			for _, field := range st.Fields.List {
				for _, id := range field.Names {
					if !id.IsExported() || !name.MatchString(id.Name) {
						continue
					}
					where := ts.Name.Name + "." + id.Name
					if _, ok := notSecrets[where]; ok {
						continue
					}
					checked++
					ft := field.Type
					if star, ok := ft.(*ast.StarExpr); ok {
						ft = star.X // an optional Secret of an update request
					}
					typ, _ := ft.(*ast.Ident)
					assert.True(t, typ != nil && typ.Name == "Secret", "%s (%s) holds a secret: make it a Secret", where, fset.Position(id.Pos()))
				}
			}
			return true
		})
	}
	assert.GreaterOrEqual(t, checked, 4, "Application.Key, ApplicationKey.Key, Session.SessionKey and Nonce at least")
}
