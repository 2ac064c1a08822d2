package vault_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/gateway"
	"github.com/tokenvault/vault/gateway/simulator"
	"github.com/tokenvault/vault/storage/memory"
)

// probeSink collects debug logs and events, safe for concurrent use.
type probeSink struct {
	mu     sync.Mutex
	logs   bytes.Buffer
	events []vault.Event
}

func (s *probeSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logs.Write(p)
}

func (s *probeSink) handle(_ context.Context, e vault.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, e)
}

func (s *probeSink) dump(t *testing.T) string {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := json.Marshal(s.events)
	require.NoError(t, err)
	return s.logs.String() + string(b) + fmt.Sprintf("%+v %#v", s.events, s.events)
}

// openProbeVault opens a vault over a memory store with a debug logger and
// an event handler feeding sink.
func openProbeVault(t *testing.T, sink *probeSink, opts ...vault.Option) (*vault.Vault, *memory.Store) {
	t.Helper()
	store := memory.New()
	log := slog.New(slog.NewTextHandler(sink, &slog.HandlerOptions{Level: slog.LevelDebug}))
	base := []vault.Option{vault.WithStore(store), vault.WithKeyProvider(testProvider(t)), vault.WithSweepInterval(0),
		vault.WithLogger(log), vault.WithEventHandler(sink.handle)}
	v, err := vault.Open("", append(base, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = v.Close() })
	return v, store
}

// errText is every rendering of an error a caller might log or return.
func errText(err error) string {
	if err == nil {
		return ""
	}
	b, _ := json.Marshal(err)
	s := err.Error() + fmt.Sprintf(" %v %+v %#v ", err, err, err) + string(b)
	if e, ok := errorsAsVault(err); ok {
		eb, _ := json.Marshal(e)
		s += fmt.Sprintf(" %+v %#v ", *e, *e) + string(eb)
	}
	return s
}

// anyText is every rendering of a value.
func anyText(v any) string {
	b, _ := json.Marshal(v)
	return fmt.Sprintf("%v %+v %#v ", v, v, v) + string(b)
}

// hostileAdapter is a payment service that misbehaves with the credentials
// it is given: by the api_key value it wraps the credentials into an error
// of no answer, into a refusal, into an invalid-request error, or panics
// with them. "slow" blocks until release is closed; "good" works.
type hostileAdapter struct {
	gateway.Adapter
	id      string
	release chan struct{}
	started chan string
	calls   atomic.Int32
	goods   atomic.Int32
}

func newHostile(id string) *hostileAdapter {
	return &hostileAdapter{id: id, release: make(chan struct{}), started: make(chan string, 100)}
}

func (h *hostileAdapter) Definition() gateway.Definition {
	return gateway.Definition{ID: h.id, DisplayName: "Hostile", Method: "card", Mode: "card", Adapter: "Hostile-" + h.id,
		Fields: []gateway.Field{
			{Key: "api_key", DisplayName: "API key", Required: true, Secret: true, Format: gateway.FormatText},
			{Key: "merchant", DisplayName: "Merchant", Format: gateway.FormatText},
		},
		BaseConfig:          []gateway.ConfigEntry{{Name: "blob", Type: "object"}, {Name: "n", Type: "number"}},
		SupportedCurrencies: []string{"USD", "EUR"}, SupportedCountries: []string{"US", "DE"},
		Features: gateway.Features{VerifyCredentials: true}}
}

func (h *hostileAdapter) VerifyCredentials(_ context.Context, creds gateway.Credentials) error {
	h.calls.Add(1)
	key := creds["api_key"]
	select {
	case h.started <- key:
	default:
	}
	switch {
	case key == "good":
		h.goods.Add(1)
		return nil
	case strings.HasPrefix(key, "slow"):
		<-h.release
		return nil
	case strings.HasPrefix(key, "unavail"):
		return fmt.Errorf("%w: the service rejected key %s (%v)", gateway.ErrUnavailable, key, map[string]string(creds))
	case strings.HasPrefix(key, "refuse"):
		return fmt.Errorf("%w: key %s is wrong", gateway.ErrCredentials, key)
	case strings.HasPrefix(key, "invalid"):
		return fmt.Errorf("%w: key %s", gateway.ErrInvalid, key)
	case strings.HasPrefix(key, "panic"):
		panic("credentials: " + fmt.Sprint(map[string]string(creds)))
	}
	return errors.New("plain error with " + key)
}

func hostileConnection(formula, apiKey, merchant string) vault.CreateConnectionRequest {
	return vault.CreateConnectionRequest{ConnectionFormulaID: formula, Method: "card", DisplayName: "Hostile",
		Fields:            []vault.ConnectionField{{Key: "api_key", Value: vault.NewSecret(apiKey)}, {Key: "merchant", Value: vault.NewSecret(merchant)}},
		AcceptedCountries: []string{"US"}, AcceptedCurrencies: []string{"USD"}}
}

// probeNoCanary fails with the text around each occurrence of canary.
func probeNoCanary(t *testing.T, text, canary, where string) {
	t.Helper()
	for i := 0; ; {
		j := strings.Index(text[i:], canary)
		if j < 0 {
			return
		}
		j += i
		t.Errorf("%s holds %q: ...%s...", where, canary, text[max(0, j-200):min(len(text), j+len(canary)+50)])
		i = j + len(canary)
	}
}

// TestProbeOrchestrationConnectorUsernameSealedAtRest: doc.go says
// config.username is sealed at rest with the other connector secrets.
//
// Found by the probe: the record kept a plaintext copy of the sealed
// username (it was returned); now it is sealed only and never returned.
func TestProbeOrchestrationConnectorUsernameSealedAtRest(t *testing.T) {
	v, store := openProbeVault(t, &probeSink{})
	m := newMerchant(t, v)
	req := simulatorConnector("Username probe")
	const user = "probeUserCanary77"
	req.Config.Username = ptr(user)
	c, err := v.CreateConnector(t.Context(), m.GUID, req)
	require.NoError(t, err)
	b, _ := json.Marshal(c)
	assert.NotContains(t, string(b), user, "the username is a credential: never returned")
	assert.False(t, bytes.Contains(dumpAll(t, store), []byte(user)), "config.username is stored in plaintext")
}

// TestProbeOrchestrationRoutingMaxAmountRoundTrip: a rule on the largest
// amount the language admits (2^63-1, a Go int64) is valid when saved.
//
// Found by the probe: the stored rule came back as a float64 and lost its
// last digits; RoutingCondition.UnmarshalJSON now keeps json.Number.
func TestProbeOrchestrationRoutingMaxAmountRoundTrip(t *testing.T) {
	v := openTestVault(t)
	ctx := t.Context()
	m := newMerchant(t, v)
	target, err := v.CreateConnector(ctx, m.GUID, simulatorConnector("Target"))
	require.NoError(t, err)
	rules := []vault.RoutingRule{{Conditions: []vault.RoutingCondition{
		{Field: vault.RouteFieldAmount, Operator: vault.RouteOpLessOrEq, Value: int64(math.MaxInt64)}},
		Action: vault.RoutingAction{Type: vault.RouteActionRoute, Connectors: []string{target.GUID}}}}
	assert.Equal(t, 0, vault.Route(rules, vault.RoutingInput{Amount: 100}, true).Rule, "the rule as given matches")
	meta, err := v.CreateConnector(ctx, m.GUID, vault.ConnectorRequest{Name: ptr("Meta"), Adapter: ptr(vault.MetaConnector),
		Method: ptr(vault.MetaConnector), APIKey: ptr(vault.NewSecret("meta-key")),
		MultiMethodMetaConnector: &vault.MultiMethodMetaConnector{Rules: rules}})
	require.NoError(t, err)
	got, err := v.GetConnector(ctx, meta.GUID)
	require.NoError(t, err)
	d := vault.Route(got.MultiMethodMetaConnector.Rules, vault.RoutingInput{Amount: 100}, true)
	assert.Equal(t, 0, d.Rule, "the stored rule still matches (value is now %T %v)",
		got.MultiMethodMetaConnector.Rules[0].Conditions[0].Value, got.MultiMethodMetaConnector.Rules[0].Conditions[0].Value)
	_, err = v.UpdateConnector(ctx, meta.GUID, vault.ConnectorRequest{Description: ptr("renamed")})
	assert.NoError(t, err, "an unrelated update of a valid meta-connector works")

	const big = int64(1<<53 + 1)
	exact, err := v.CreateConnector(ctx, m.GUID, vault.ConnectorRequest{Name: ptr("Meta exact"), Adapter: ptr(vault.MetaConnector),
		Method: ptr(vault.MetaConnector), APIKey: ptr(vault.NewSecret("meta-key")),
		MultiMethodMetaConnector: &vault.MultiMethodMetaConnector{Rules: []vault.RoutingRule{{Conditions: []vault.RoutingCondition{
			{Field: vault.RouteFieldAmount, Operator: vault.RouteOpEquals, Value: big}},
			Action: vault.RoutingAction{Type: vault.RouteActionRoute, Connectors: []string{target.GUID}}}}}})
	require.NoError(t, err)
	got, err = v.GetConnector(ctx, exact.GUID)
	require.NoError(t, err)
	assert.Equal(t, 0, vault.Route(got.MultiMethodMetaConnector.Rules, vault.RoutingInput{Amount: big}, true).Rule, "equals 2^53+1 matches 2^53+1")
	assert.Equal(t, -1, vault.Route(got.MultiMethodMetaConnector.Rules, vault.RoutingInput{Amount: big - 1}, true).Rule, "equals 2^53+1 does not match 2^53")
}

// TestProbeOrchestrationDeepExtraData: an object entry of extraData nested
// deeper than encoding/json decodes (10,000 levels) must be refused or
// readable, never stored unreadable.
//
// Found by the probe: it was stored, and the record (and the tenant's key
// rotation) could never decode it again; extraData objects are now plain
// JSON of at most 8 levels and 1,000 values.
func TestProbeOrchestrationDeepExtraData(t *testing.T) {
	h := newHostile("deep-card")
	v, _ := openProbeVault(t, &probeSink{}, vault.WithGatewayAdapter(h))
	ctx := t.Context()
	m := newMerchant(t, v)
	var blob any = "leaf"
	for range 10010 {
		blob = map[string]any{"a": blob}
	}
	req := vault.ConnectorRequest{Name: ptr("Deep"), Adapter: ptr("Hostile-deep-card"), Method: ptr("Credit Card"),
		APIKey: ptr(vault.NewSecret("deep-key")), Config: &vault.ConnectorConfigRequest{ExtraData: map[string]any{"blob": blob}}}
	c, err := v.CreateConnector(ctx, m.GUID, req)
	if err != nil {
		requireKind(t, err, vault.KindInvalid)
		return // refused: fine
	}
	_, err = v.GetConnector(ctx, c.GUID)
	assert.NoError(t, err, "a stored connector is readable")
	_, err = v.ListConnectors(ctx, m.GUID)
	assert.NoError(t, err, "the merchant's connectors are listable")
	_, err = v.UpdateConnector(ctx, c.GUID, vault.ConnectorRequest{Config: &vault.ConnectorConfigRequest{ExtraData: map[string]any{}}})
	assert.NoError(t, err, "the connector can be repaired")
	_, err = v.ArchiveConnector(ctx, c.GUID)
	assert.NoError(t, err, "the connector can be archived")
	assert.NoError(t, v.RotateKeys(ctx, nil), "the tenant's keys rotate")
}

// TestProbeOrchestrationExtraDataUnencodable: a number entry given NaN (Go
// callers can) is refused as invalid and stores nothing.
//
// Found by the probe: it failed KindInternal at encoding; a non-finite
// number is now refused as a format error.
func TestProbeOrchestrationExtraDataUnencodable(t *testing.T) {
	h := newHostile("nan-card")
	v, _ := openProbeVault(t, &probeSink{}, vault.WithGatewayAdapter(h))
	ctx := t.Context()
	m := newMerchant(t, v)
	req := vault.ConnectorRequest{Name: ptr("NaN"), Adapter: ptr("Hostile-nan-card"), Method: ptr("Credit Card"),
		APIKey: ptr(vault.NewSecret("nan-key")), Config: &vault.ConnectorConfigRequest{ExtraData: map[string]any{"n": math.NaN()}}}
	_, err := v.CreateConnector(ctx, m.GUID, req)
	e, ok := errorsAsVault(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, vault.KindInvalid, e.Kind, "%v", err)
	list, err := v.ListConnectors(ctx, m.GUID)
	require.NoError(t, err)
	assert.Empty(t, list)
}

// TestProbeOrchestrationConnectionSecretsNeverLeak drives connections
// through their failure paths with a canary credential everywhere.
func TestProbeOrchestrationConnectionSecretsNeverLeak(t *testing.T) {
	sink := &probeSink{}
	h := newHostile("leak-card")
	clock := newTestClock()
	v, store := openProbeVault(t, sink, vault.WithGatewayAdapter(h), vault.WithClock(clock.now))
	ctx := t.Context()
	const canary = "CanaryConnSecret42"
	var outputs strings.Builder

	// Invalid values, and keys, holding the secret.
	bad := []vault.CreateConnectionRequest{
		hostileConnection("leak-card", canary+"\nline", "m"),
		hostileConnection("leak-card", strings.Repeat(canary, 1000), "m"),
		hostileConnection("nope-"+"card", canary, "m"),
	}
	withKey := hostileConnection("leak-card", canary, "m")
	withKey.Fields = append(withKey.Fields, vault.ConnectionField{Key: canary, Value: vault.NewSecret(canary)})
	twice := hostileConnection("leak-card", canary, "m")
	twice.Fields = append(twice.Fields, vault.ConnectionField{Key: "api_key", Value: vault.NewSecret(canary + "2")})
	bad = append(bad, withKey, twice)
	for i, req := range bad {
		if i != 3 { // withKey: a request's JSON shows its keys, which are no secrets
			outputs.WriteString(anyText(req))
		}
		_, err := v.CreateConnection(ctx, req)
		requireKind(t, err, vault.KindInvalid)
		outputs.WriteString(errText(err))
	}
	list, err := v.ListConnections(ctx)
	require.NoError(t, err)
	assert.Empty(t, list, "nothing invalid stored")

	// Valid ones the adapter mishandles.
	var ids []string
	for _, key := range []string{"unavail-" + canary, "refuse-" + canary, "invalid-" + canary, "panic-" + canary, "plain-" + canary} {
		req := hostileConnection("leak-card", key, "m")
		outputs.WriteString(anyText(req) + anyText(&req))
		c, err := v.CreateConnection(ctx, req)
		require.NoError(t, err)
		outputs.WriteString(anyText(c) + anyText(*c))
		ids = append(ids, c.ID)
		// An update with a bad value keeps the secret out of the error too.
		ureq := vault.UpdateConnectionRequest(hostileConnection("leak-card", key+"\n", "m"))
		_, err = v.UpdateConnection(ctx, c.ID, ureq)
		requireKind(t, err, vault.KindInvalid)
		outputs.WriteString(errText(err) + anyText(ureq))
	}
	// Every connection is tried at least once and those without an answer
	// once more (the queue polls each second, so the six attempts of the
	// dead path take too long here; its reason is a fixed text).
	require.Eventually(t, func() bool {
		clock.advance(10 * time.Minute)
		return h.calls.Load() >= 8
	}, 2500*time.Millisecond, 5*time.Millisecond)
	for i, id := range ids {
		c, err := v.GetConnection(ctx, id)
		require.NoError(t, err)
		if i == 1 || i == 2 {
			assert.Equal(t, vault.ConnectionFailed, c.Status)
		}
		outputs.WriteString(anyText(c) + c.StatusReason)
	}
	list, err = v.ListConnections(ctx)
	require.NoError(t, err)
	outputs.WriteString(anyText(list))
	require.NoError(t, v.FlushEvents(ctx))

	probeNoCanary(t, outputs.String(), canary, "errors, requests and responses")
	probeNoCanary(t, sink.dump(t), canary, "logs and events")
	assert.False(t, bytes.Contains(dumpAll(t, store), []byte(canary)), "raw store")
	assert.GreaterOrEqual(t, h.calls.Load(), int32(5), "the adapter was called")
}

// TestProbeOrchestrationConnectorSecretsNeverLeak does the same for
// connectors, and checks a generated shared secret is shown once.
func TestProbeOrchestrationConnectorSecretsNeverLeak(t *testing.T) {
	sink := &probeSink{}
	v, store := openProbeVault(t, sink)
	ctx := t.Context()
	m := newMerchant(t, v)
	secrets := []string{"CanaryApiKey11", "CanaryPass22", "CanaryApiSecret33", "CanaryShared44", "CanaryVault55"}
	var outputs strings.Builder
	full := func(name string) vault.ConnectorRequest {
		r := simulatorConnector(name)
		r.APIKey = ptr(vault.NewSecret(secrets[0]))
		r.Config.Password = ptr(vault.NewSecret(secrets[1]))
		r.Config.APISecret = ptr(vault.NewSecret(secrets[2]))
		r.Config.Vault = map[string]vault.Secret{"api_key": vault.NewSecret(secrets[4])}
		return r
	}
	// Failure paths: invalid values holding a secret, secrets as keys.
	// keyed mutations use a secret as a map key: the request shows its keys
	// (they are no secrets), so only the outcome is checked for them.
	keyed := 5
	mutations := []func(r *vault.ConnectorRequest){
		func(r *vault.ConnectorRequest) { r.APIKey = ptr(vault.NewSecret(secrets[0] + " x")) },
		func(r *vault.ConnectorRequest) { r.SharedSecret = ptr(vault.NewSecret(strings.Repeat(secrets[3], 10))) },
		func(r *vault.ConnectorRequest) { r.SharedSecret = ptr(vault.NewSecret(secrets[3] + "\t")) },
		func(r *vault.ConnectorRequest) { r.Config.Password = ptr(vault.NewSecret(secrets[1] + "\n")) },
		func(r *vault.ConnectorRequest) {
			r.Config.APISecret = ptr(vault.NewSecret(strings.Repeat(secrets[2], 50)))
		},
		func(r *vault.ConnectorRequest) {
			r.Config.Vault = map[string]vault.Secret{secrets[4]: vault.NewSecret(secrets[4])}
		},
		func(r *vault.ConnectorRequest) { r.Config.ExtraData = map[string]any{secrets[1]: secrets[2]} },
		func(r *vault.ConnectorRequest) { r.Settings = map[string]string{secrets[0] + "\x01": "x"} },
		func(r *vault.ConnectorRequest) { r.Name = ptr("x") },
	}
	for i, mut := range mutations {
		r := full("Leaky")
		mut(&r)
		if i < keyed || i > keyed+2 {
			outputs.WriteString(anyText(r) + anyText(&r) + anyText(r.Config))
		}
		_, err := v.CreateConnector(ctx, m.GUID, r)
		requireKind(t, err, vault.KindInvalid)
		outputs.WriteString(errText(err))
	}
	created, err := v.CreateConnector(ctx, m.GUID, full("Leaky"))
	require.NoError(t, err)
	generated := created.SharedSecret.Reveal()
	require.Len(t, generated, 30)
	outputs.WriteString(anyText(created) + anyText(*created))
	for _, mut := range mutations {
		r := full("Leaky")
		mut(&r)
		_, err := v.UpdateConnector(ctx, created.GUID, r)
		requireKind(t, err, vault.KindInvalid)
		outputs.WriteString(errText(err))
	}
	up, err := v.UpdateConnector(ctx, created.GUID, vault.ConnectorRequest{Description: ptr("d2"), AddSettings: map[string]string{"a": "b"}})
	require.NoError(t, err)
	assert.True(t, up.SharedSecret.IsZero())
	outputs.WriteString(anyText(up))
	// Regenerating: the new secret is in that response only.
	re, err := v.UpdateConnector(ctx, created.GUID, vault.ConnectorRequest{SharedSecret: ptr(vault.NewSecret(""))})
	require.NoError(t, err)
	regenerated := re.SharedSecret.Reveal()
	require.Len(t, regenerated, 30)
	assert.NotEqual(t, generated, regenerated)
	got, err := v.GetConnector(ctx, created.GUID)
	require.NoError(t, err)
	list, err := v.ListConnectors(ctx, m.GUID)
	require.NoError(t, err)
	arch, err := v.ArchiveConnector(ctx, created.GUID)
	require.NoError(t, err)
	outputs.WriteString(anyText(got) + anyText(*got) + anyText(list) + anyText(arch))
	require.NoError(t, v.FlushEvents(ctx))

	all := outputs.String()
	sinkText := sink.dump(t)
	dump := dumpAll(t, store)
	for _, s := range append(secrets, generated, regenerated) {
		assert.NotContains(t, all, s, "errors, requests and responses")
		assert.NotContains(t, sinkText, s, "logs and events")
		assert.False(t, bytes.Contains(dump, []byte(s)), "raw store holds %s", s)
	}
	assert.Empty(t, got.SharedSecret.Reveal())
	for _, c := range list {
		assert.Empty(t, c.SharedSecret.Reveal())
	}
}

// TestProbeOrchestrationPermissions: every method refuses a caller that
// has every other permission of the group but its own.
func TestProbeOrchestrationPermissions(t *testing.T) {
	h := newHostile("perm-card")
	v := openTestVault(t, vault.WithGatewayAdapter(h))
	ctx := t.Context()
	conn, err := v.CreateConnection(ctx, hostileConnection("perm-card", "good", "m"))
	require.NoError(t, err)
	m := newMerchant(t, v)
	co, err := v.CreateConnector(ctx, m.GUID, simulatorConnector("Perm conn"))
	require.NoError(t, err)
	all := []string{vault.PermConnectionCreate, vault.PermConnectionRead, vault.PermConnectionUpdate, vault.PermConnectionDelete,
		vault.PermMerchantCreate, vault.PermMerchantRead, vault.PermMerchantDelete,
		vault.PermConnectorCreate, vault.PermConnectorRead, vault.PermConnectorUpdate, vault.PermConnectorDelete}
	without := func(perm string) context.Context {
		var perms []string
		for _, p := range all {
			if p != perm {
				perms = append(perms, p)
			}
		}
		return appContext(t, v, vault.AppManagement, perms, nil)
	}
	calls := map[string]func(ctx context.Context) error{
		vault.PermConnectionCreate: func(c context.Context) error {
			_, err := v.CreateConnection(c, hostileConnection("perm-card", "good", "m"))
			return err
		},
		vault.PermConnectionRead: func(c context.Context) error {
			_, err := v.GetConnection(c, conn.ID)
			if err == nil {
				_, err = v.ListConnections(c)
			}
			return err
		},
		vault.PermConnectionUpdate: func(c context.Context) error {
			_, err := v.UpdateConnection(c, conn.ID, vault.UpdateConnectionRequest(hostileConnection("perm-card", "good", "m")))
			return err
		},
		vault.PermConnectionDelete: func(c context.Context) error { return v.DeleteConnection(c, conn.ID) },
		vault.PermMerchantCreate: func(c context.Context) error {
			_, err := v.CreateMerchant(c, vault.CreateMerchantRequest{Name: "x"})
			return err
		},
		vault.PermMerchantRead: func(c context.Context) error {
			_, err := v.GetMerchant(c, m.GUID)
			if err == nil {
				_, err = v.ListMerchants(c)
			}
			return err
		},
		vault.PermMerchantDelete: func(c context.Context) error { _, err := v.ArchiveMerchant(c, m.GUID); return err },
		vault.PermConnectorCreate: func(c context.Context) error {
			_, err := v.CreateConnector(c, m.GUID, simulatorConnector("abc"))
			return err
		},
		vault.PermConnectorRead: func(c context.Context) error {
			_, err := v.GetConnector(c, co.GUID)
			if err == nil {
				_, err = v.ListConnectors(c, m.GUID)
			}
			if err == nil {
				_, err = v.GetConnectorSettings(c, "Simulator")
			}
			return err
		},
		vault.PermConnectorUpdate: func(c context.Context) error {
			_, err := v.UpdateConnector(c, co.GUID, vault.ConnectorRequest{Description: ptr("x")})
			return err
		},
		vault.PermConnectorDelete: func(c context.Context) error { _, err := v.ArchiveConnector(c, co.GUID); return err },
	}
	for perm, call := range calls {
		requireKind(t, call(without(perm)), vault.KindForbidden)
	}
	// A reader sees no secret and changes nothing.
	none := appContext(t, v, vault.AppManagement, []string{vault.PermTenantRead}, nil)
	for perm, call := range calls {
		e, ok := errorsAsVault(call(none))
		require.True(t, ok, perm)
		assert.Equal(t, vault.KindForbidden, e.Kind, perm)
	}
	got, err := v.GetConnector(ctx, co.GUID)
	require.NoError(t, err)
	assert.False(t, got.Archived)
	assert.Empty(t, got.Description)
}

// TestProbeOrchestrationTenantIsolation: tenant B sees none of tenant A's
// connections, merchants and connectors, by id or in lists, and cannot
// route to them.
func TestProbeOrchestrationTenantIsolation(t *testing.T) {
	h := newHostile("iso-card")
	v := openTestVault(t, vault.WithGatewayAdapter(h))
	ctx := t.Context()
	conn, err := v.CreateConnection(ctx, hostileConnection("iso-card", "good", "m-iso-A"))
	require.NoError(t, err)
	m := newMerchant(t, v)
	co, err := v.CreateConnector(ctx, m.GUID, simulatorConnector("Tenant A conn"))
	require.NoError(t, err)

	_, mgmt, err := v.CreateTenant(ctx, vault.CreateTenantRequest{Name: "tenant-b"})
	require.NoError(t, err)
	b := authenticate(t, v, mgmt.Key)
	_, err = v.GetConnection(b, conn.ID)
	requireKind(t, err, vault.KindNotFound)
	_, err = v.UpdateConnection(b, conn.ID, vault.UpdateConnectionRequest(hostileConnection("iso-card", "good", "m")))
	requireKind(t, err, vault.KindNotFound)
	requireKind(t, v.DeleteConnection(b, conn.ID), vault.KindNotFound)
	list, err := v.ListConnections(b)
	require.NoError(t, err)
	assert.Empty(t, list)

	_, err = v.GetMerchant(b, m.GUID)
	requireKind(t, err, vault.KindNotFound)
	_, err = v.ArchiveMerchant(b, m.GUID)
	requireKind(t, err, vault.KindNotFound)
	_, err = v.ListConnectors(b, m.GUID)
	requireKind(t, err, vault.KindNotFound)
	_, err = v.CreateConnector(b, m.GUID, simulatorConnector("intruder"))
	requireKind(t, err, vault.KindNotFound)
	_, err = v.GetConnector(b, co.GUID)
	requireKind(t, err, vault.KindNotFound)
	_, err = v.UpdateConnector(b, co.GUID, vault.ConnectorRequest{Description: ptr("pwned")})
	requireKind(t, err, vault.KindNotFound)
	_, err = v.ArchiveConnector(b, co.GUID)
	requireKind(t, err, vault.KindNotFound)
	ms, err := v.ListMerchants(b)
	require.NoError(t, err)
	assert.Empty(t, ms)

	// B's own meta-connector may not name A's connector.
	mb, err := v.CreateMerchant(b, vault.CreateMerchantRequest{Name: "B"})
	require.NoError(t, err)
	_, err = v.CreateConnector(b, mb.GUID, vault.ConnectorRequest{Name: ptr("Meta B"), Adapter: ptr(vault.MetaConnector),
		Method: ptr(vault.MetaConnector), APIKey: ptr(vault.NewSecret("k")),
		RoutingMetaConnector: &vault.RoutingMetaConnector{DefaultConnector: co.GUID}})
	requireKind(t, err, vault.KindInvalid)
	_, err = v.CreateConnector(b, mb.GUID, vault.ConnectorRequest{Name: ptr("Meta B"), Adapter: ptr(vault.MetaConnector),
		Method: ptr(vault.MetaConnector), APIKey: ptr(vault.NewSecret("k")),
		MultiMethodMetaConnector: &vault.MultiMethodMetaConnector{Rules: []vault.RoutingRule{{
			Action: vault.RoutingAction{Type: vault.RouteActionRoute, Connectors: []string{co.GUID}}}}}})
	requireKind(t, err, vault.KindInvalid)

	got, err := v.GetConnector(ctx, co.GUID)
	require.NoError(t, err)
	assert.Empty(t, got.Description)
	assert.False(t, got.Archived)
	_, err = v.GetConnection(ctx, conn.ID)
	require.NoError(t, err)
}

// TestProbeOrchestrationMetaRulesOwnMerchant: a meta-connector's rules and
// default connector name live connectors of its own merchant only, never
// itself, on create and on update.
func TestProbeOrchestrationMetaRulesOwnMerchant(t *testing.T) {
	v := openTestVault(t)
	ctx := t.Context()
	m1, m2 := newMerchant(t, v), newMerchant(t, v)
	own, err := v.CreateConnector(ctx, m1.GUID, simulatorConnector("Own"))
	require.NoError(t, err)
	foreign, err := v.CreateConnector(ctx, m2.GUID, simulatorConnector("Foreign"))
	require.NoError(t, err)
	route := func(guids ...string) *vault.MultiMethodMetaConnector {
		return &vault.MultiMethodMetaConnector{Rules: []vault.RoutingRule{{Action: vault.RoutingAction{Type: vault.RouteActionRoute, Connectors: guids}}}}
	}
	meta := func(rm *vault.RoutingMetaConnector, mm *vault.MultiMethodMetaConnector) vault.ConnectorRequest {
		return vault.ConnectorRequest{Name: ptr("Meta"), Adapter: ptr(vault.MetaConnector), Method: ptr(vault.MetaConnector),
			APIKey: ptr(vault.NewSecret("k")), RoutingMetaConnector: rm, MultiMethodMetaConnector: mm}
	}
	_, err = v.CreateConnector(ctx, m1.GUID, meta(&vault.RoutingMetaConnector{DefaultConnector: foreign.GUID}, nil))
	requireKind(t, err, vault.KindInvalid)
	_, err = v.CreateConnector(ctx, m1.GUID, meta(nil, route(own.GUID, foreign.GUID)))
	requireKind(t, err, vault.KindInvalid)
	mm, err := v.CreateConnector(ctx, m1.GUID, meta(nil, route(own.GUID)))
	require.NoError(t, err)
	rm, err := v.CreateConnector(ctx, m1.GUID, meta(&vault.RoutingMetaConnector{DefaultConnector: own.GUID}, nil))
	require.NoError(t, err)

	for name, req := range map[string]vault.ConnectorRequest{
		"rules name itself":    {MultiMethodMetaConnector: route(mm.GUID)},
		"rules name foreign":   {MultiMethodMetaConnector: route(foreign.GUID)},
		"rules name long guid": {MultiMethodMetaConnector: route(strings.Repeat("C", 10240))},
	} {
		_, err := v.UpdateConnector(ctx, mm.GUID, req)
		e := requireKind(t, err, vault.KindInvalid)
		assert.NotEmpty(t, e.Fields, name)
	}
	for _, guid := range []string{rm.GUID, foreign.GUID} {
		_, err := v.UpdateConnector(ctx, rm.GUID, vault.ConnectorRequest{RoutingMetaConnector: &vault.RoutingMetaConnector{DefaultConnector: guid}})
		requireKind(t, err, vault.KindInvalid)
	}
	got, err := v.GetConnector(ctx, mm.GUID)
	require.NoError(t, err)
	assert.Equal(t, []string{own.GUID}, got.MultiMethodMetaConnector.Rules[0].Action.Connectors, "a failed update changes nothing")
	got, err = v.GetConnector(ctx, rm.GUID)
	require.NoError(t, err)
	assert.Equal(t, own.GUID, got.RoutingMetaConnector.DefaultConnector)
}

// TestProbeOrchestrationRouteNeverPanics feeds Route random unvalidated
// rules of hostile shapes.
func TestProbeOrchestrationRouteNeverPanics(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	fields := []string{"", "amount", "currency", "country", "bin", "brand", "method", "transactionType", "x", "AMOUNT"}
	ops := []string{"", "equals", "notEquals", "in", "notIn", "lessThan", "lessThanOrEqual", "greaterThan", "greaterThanOrEqual",
		"between", "startsWith", "regex"}
	values := []any{nil, "", "EUR", "eur", "4242", "42424242424242", "visa", "ü\xff", json.Number(""), json.Number("-"),
		json.Number("1e999999999"), json.Number("-0"), json.Number("1e-999999999"), json.Number("1.5"), json.Number("0.0e5"),
		json.Number("9223372036854775808"), json.Number("1e18"), json.Number("e5"), json.Number(".5"), json.Number("5."),
		math.NaN(), math.Inf(1), math.Inf(-1), -1.0, 1e300, float32(3), int8(-1), uint64(math.MaxUint64), uint(1), int64(math.MinInt64),
		[]any{1, 2}, map[string]any{"a": 1}, struct{}{}, new(int), true, 1000, 'x'}
	for range 20000 {
		var rules []vault.RoutingRule
		for range rng.IntN(4) {
			var conds []vault.RoutingCondition
			for range rng.IntN(4) {
				c := vault.RoutingCondition{Field: fields[rng.IntN(len(fields))], Operator: ops[rng.IntN(len(ops))], Value: values[rng.IntN(len(values))]}
				if rng.IntN(2) == 0 {
					for range rng.IntN(4) {
						c.Values = append(c.Values, values[rng.IntN(len(values))])
					}
				}
				conds = append(conds, c)
			}
			a := vault.RoutingAction{Type: []string{"", "route", "decline", "x"}[rng.IntN(4)]}
			if rng.IntN(2) == 0 {
				a.Connectors = []string{"CO-1", ""}[:rng.IntN(3)]
			}
			rules = append(rules, vault.RoutingRule{Conditions: conds, Action: a})
		}
		in := vault.RoutingInput{Amount: []int64{0, -1, math.MaxInt64, math.MinInt64, 1000}[rng.IntN(5)],
			Currency: "eur", Country: "at", BIN: []string{"", "4", "424242"}[rng.IntN(3)], Brand: "VISA", Method: "ü", TransactionType: "debit"}
		d := vault.Route(rules, in, rng.IntN(2) == 0)
		require.True(t, d.Rule >= -1 && d.Rule < len(rules))
		if d.Rule >= 0 {
			r := rules[d.Rule]
			require.True(t, r.Action.Type == vault.RouteActionDecline || len(r.Action.Connectors) > 0, "a bad action never matches")
			if len(d.Connectors) > 0 {
				d.Connectors[0] = "changed"
				require.NotEqual(t, "changed", r.Action.Connectors[0], "a copy")
			}
		}
	}
	// Unevaluable conditions never hold.
	for _, c := range []vault.RoutingCondition{
		{Field: "amount", Operator: "lessThan", Value: math.NaN()},
		{Field: "amount", Operator: "between", Values: []any{1}},
		{Field: "amount", Operator: "lessThan", Value: json.Number("1e999999999")},
		{Field: "currency", Operator: "in"},
		{Field: "currency", Operator: "lessThan", Value: "EUR"},
		{Field: "x", Operator: "equals", Value: ""},
	} {
		d := vault.Route([]vault.RoutingRule{{Conditions: []vault.RoutingCondition{c},
			Action: vault.RoutingAction{Type: vault.RouteActionRoute, Connectors: []string{"CO-1"}}}}, vault.RoutingInput{Amount: 5, Currency: "EUR"}, false)
		assert.Equal(t, -1, d.Rule, "%+v", c)
	}
}

// TestProbeOrchestrationLargeAndOddInputs: huge ids, many fields and
// settings, unicode and nil members fail cleanly and store nothing.
func TestProbeOrchestrationLargeAndOddInputs(t *testing.T) {
	h := newHostile("big-card")
	v, store := openProbeVault(t, &probeSink{}, vault.WithGatewayAdapter(h))
	ctx := t.Context()
	m := newMerchant(t, v)
	co, err := v.CreateConnector(ctx, m.GUID, simulatorConnector("Big"))
	require.NoError(t, err)
	before := dumpAll(t, store)

	long := strings.Repeat("ü", 5120) // 10 KB
	for _, id := range []string{long, "", "../" + co.GUID, co.GUID + "\x00", strings.ToLower(co.GUID), "a/b/c", "\xff\xfe"} {
		_, err := v.GetConnection(ctx, id)
		requireKind(t, err, vault.KindNotFound)
		_, err = v.UpdateConnection(ctx, id, vault.UpdateConnectionRequest(hostileConnection("big-card", "good", "m")))
		requireKind(t, err, vault.KindNotFound)
		requireKind(t, v.DeleteConnection(ctx, id), vault.KindNotFound)
		_, err = v.GetConnector(ctx, id)
		requireKind(t, err, vault.KindNotFound)
		_, err = v.UpdateConnector(ctx, id, vault.ConnectorRequest{})
		requireKind(t, err, vault.KindNotFound)
		_, err = v.ArchiveConnector(ctx, id)
		requireKind(t, err, vault.KindNotFound)
		_, err = v.GetMerchant(ctx, id)
		requireKind(t, err, vault.KindNotFound)
		_, err = v.ListConnectors(ctx, id)
		requireKind(t, err, vault.KindNotFound)
		_, err = v.CreateConnector(ctx, id, simulatorConnector("x y z"))
		requireKind(t, err, vault.KindNotFound)
	}

	many := hostileConnection("big-card", "good", "m")
	for i := range 1000 {
		many.Fields = append(many.Fields, vault.ConnectionField{Key: fmt.Sprintf("k%d", i), Value: vault.NewSecret("v")})
	}
	_, err = v.CreateConnection(ctx, many)
	requireKind(t, err, vault.KindInvalid)
	nils := hostileConnection("big-card", "good", "m")
	nils.Fields = []vault.ConnectionField{{Key: "api_key"}, {Key: "merchant"}}
	_, err = v.CreateConnection(ctx, nils)
	requireKind(t, err, vault.KindInvalid)
	_, err = v.CreateConnection(ctx, vault.CreateConnectionRequest{})
	requireKind(t, err, vault.KindInvalid)

	settings := map[string]string{}
	for i := range 10000 {
		settings[fmt.Sprintf("s%05d", i)] = long
	}
	for _, req := range []vault.ConnectorRequest{
		{Settings: settings},
		{AddSettings: settings},
		{Name: ptr(long)},
		{Description: ptr(strings.Repeat("d", 1001))},
		{Terminals: make([]vault.Terminal, 101)},
		{DisabledTransactionTypes: []string{"refund", "refund"}},
		{Config: &vault.ConnectorConfigRequest{ExtraData: map[string]any{"merchant_id": map[string]any{"deep": []any{nil}}}}},
		{Config: &vault.ConnectorConfigRequest{Vault: map[string]vault.Secret{}}},
		{MultiMethodMetaConnector: &vault.MultiMethodMetaConnector{}},
		{Adapter: ptr(vault.MetaConnector)},
		{Method: ptr(vault.MetaConnector)},
		{Name: ptr("x")},
	} {
		_, err := v.UpdateConnector(ctx, co.GUID, req)
		requireKind(t, err, vault.KindInvalid)
	}
	_, err = v.CreateConnector(ctx, m.GUID, vault.ConnectorRequest{})
	requireKind(t, err, vault.KindInvalid)
	_, err = v.CreateConnector(ctx, m.GUID, vault.ConnectorRequest{Name: ptr("Simulator ✓"), Adapter: ptr("Simulator"), Method: ptr("Kreditkarte ü"),
		APIKey: ptr(vault.NewSecret("ключ")), Config: &vault.ConnectorConfigRequest{Vault: map[string]vault.Secret{"api_key": vault.NewSecret(simulator.TestAPIKey)}}})
	require.NoError(t, err, "unicode is fine")

	got, err := v.GetConnector(ctx, co.GUID)
	require.NoError(t, err)
	assert.Equal(t, "Big", got.Name)
	assert.False(t, got.Archived)
	assert.Len(t, got.Settings, 2)
	list, err := v.ListConnections(ctx)
	require.NoError(t, err)
	assert.Empty(t, list)
	assert.NotEmpty(t, before)
}

// TestProbeOrchestrationConcurrentAddSettings: 20 concurrent updates adding
// one setting each: every acknowledged one is kept, the others fail
// KindConflict.
func TestProbeOrchestrationConcurrentAddSettings(t *testing.T) {
	v := openTestVault(t)
	ctx := t.Context()
	m := newMerchant(t, v)
	co, err := v.CreateConnector(ctx, m.GUID, simulatorConnector("Busy"))
	require.NoError(t, err)
	var wg sync.WaitGroup
	var mu sync.Mutex
	acked := []string{}
	for i := range 20 {
		wg.Go(func() {
			key := fmt.Sprintf("key-%02d", i)
			_, err := v.UpdateConnector(ctx, co.GUID, vault.ConnectorRequest{AddSettings: map[string]string{key: "v"}})
			if err != nil {
				e, ok := errorsAsVault(err)
				if assert.True(t, ok, "%v", err) {
					assert.Equal(t, vault.KindConflict, e.Kind, "%v", err)
				}
				return
			}
			mu.Lock()
			acked = append(acked, key)
			mu.Unlock()
		})
	}
	wg.Wait()
	got, err := v.GetConnector(ctx, co.GUID)
	require.NoError(t, err)
	require.NotEmpty(t, acked)
	for _, k := range acked {
		assert.Contains(t, got.Settings, k, "an acknowledged update was lost")
	}
	assert.Len(t, got.Settings, 2+len(acked))
	t.Logf("%d of 20 acknowledged", len(acked))
}

// TestProbeOrchestrationVerificationRacesUpdate: the verification of an
// older revision, answering after an update, does not overwrite the newer
// revision's result.
func TestProbeOrchestrationVerificationRacesUpdate(t *testing.T) {
	h := newHostile("race-card")
	v, _ := openProbeVault(t, &probeSink{}, vault.WithGatewayAdapter(h))
	ctx := t.Context()
	c, err := v.CreateConnection(ctx, hostileConnection("race-card", "slow-1", "m"))
	require.NoError(t, err)
	select {
	case k := <-h.started:
		require.Equal(t, "slow-1", k)
	case <-time.After(2 * time.Second):
		t.Fatal("the verification did not start")
	}
	_, err = v.UpdateConnection(ctx, c.ID, vault.UpdateConnectionRequest(hostileConnection("race-card", "refuse-1", "m")))
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		got, err := v.GetConnection(ctx, c.ID)
		require.NoError(t, err)
		return got.Status == vault.ConnectionFailed
	}, 2*time.Second, 5*time.Millisecond, "the newer revision is verified (refused)")
	close(h.release) // the older one answers now: available
	time.Sleep(300 * time.Millisecond)
	got, err := v.GetConnection(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, vault.ConnectionFailed, got.Status, "the older revision's result overwrote the newer one")
}

// TestProbeOrchestrationDeleteWhileVerifying: a connection deleted while
// its verification runs or waits stays deleted, and a queued one is never
// verified.
func TestProbeOrchestrationDeleteWhileVerifying(t *testing.T) {
	h := newHostile("del-card")
	sink := &probeSink{}
	v, _ := openProbeVault(t, sink, vault.WithGatewayAdapter(h))
	ctx := t.Context()
	// Two slow verifications take both workers.
	a, err := v.CreateConnection(ctx, hostileConnection("del-card", "slow-a", "m"))
	require.NoError(t, err)
	b, err := v.CreateConnection(ctx, hostileConnection("del-card", "slow-b", "m"))
	require.NoError(t, err)
	for range 2 {
		select {
		case <-h.started:
		case <-time.After(2 * time.Second):
			t.Fatal("the verifications did not start")
		}
	}
	queued, err := v.CreateConnection(ctx, hostileConnection("del-card", "good", "m"))
	require.NoError(t, err)
	require.NoError(t, v.DeleteConnection(ctx, queued.ID))
	require.NoError(t, v.DeleteConnection(ctx, a.ID))
	close(h.release)
	require.Eventually(t, func() bool {
		got, err := v.GetConnection(ctx, b.ID)
		require.NoError(t, err)
		return got.Status == vault.ConnectionAvailable
	}, 2*time.Second, 5*time.Millisecond)
	time.Sleep(200 * time.Millisecond)
	for _, id := range []string{a.ID, queued.ID} {
		_, err := v.GetConnection(ctx, id)
		requireKind(t, err, vault.KindNotFound)
	}
	list, err := v.ListConnections(ctx)
	require.NoError(t, err)
	assert.Len(t, list, 1)
	assert.EqualValues(t, 0, h.goods.Load(), "the deleted queued connection's credentials went to the adapter")
	require.NoError(t, v.FlushEvents(ctx))
	sink.mu.Lock()
	defer sink.mu.Unlock()
	for _, e := range sink.events {
		if e.Type == vault.EventConnectionAvailable || e.Type == vault.EventConnectionFailed {
			b, _ := json.Marshal(e.Data)
			assert.NotContains(t, string(b), a.ID, "no outcome for a deleted connection")
			assert.NotContains(t, string(b), queued.ID, "no outcome for a deleted connection")
		}
	}
}

// TestProbeOrchestrationArchiveNeedsDeletePermission: archiving needs
// connector:delete (ArchiveConnector). Found by the probe: an update could
// archive and revive a connector through ConnectorRequest.Archived; that
// member is gone, and the REST API treats "archived" as read-only.
func TestProbeOrchestrationArchiveNeedsDeletePermission(t *testing.T) {
	v := openTestVault(t)
	ctx := t.Context()
	m := newMerchant(t, v)
	co, err := v.CreateConnector(ctx, m.GUID, simulatorConnector("Archive probe"))
	require.NoError(t, err)
	updater := appContext(t, v, vault.AppManagement, []string{vault.PermConnectorRead, vault.PermConnectorUpdate}, nil)
	_, err = v.ArchiveConnector(updater, co.GUID)
	requireKind(t, err, vault.KindForbidden)
	got, err := v.GetConnector(ctx, co.GUID)
	require.NoError(t, err)
	assert.False(t, got.Archived)
	_, err = v.ArchiveConnector(ctx, co.GUID)
	require.NoError(t, err)
	_, err = v.UpdateConnector(updater, co.GUID, vault.ConnectorRequest{Description: ptr("still archived")})
	require.NoError(t, err)
	got, err = v.GetConnector(ctx, co.GUID)
	require.NoError(t, err)
	assert.True(t, got.Archived, "an update keeps a connector archived")
}
