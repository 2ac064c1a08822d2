package vault

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/tokenvault/vault/gateway"
	"github.com/tokenvault/vault/internal/keyenc"
	"github.com/tokenvault/vault/keys"
)

// The connector provisioning API (seed 004, reference section 10): the
// IXOPAY face of orchestration. A merchant owns connectors; a connector is
// a payment adapter (by its IXOPAY name, such as "Simulator") with a method,
// credentials and settings, or a meta-connector (adapter and method
// "MetaConnector") that routes to other connectors of its merchant. The
// permissions are merchant:create, merchant:read, merchant:delete (archive)
// and connector:create, connector:read, connector:update and
// connector:delete (archive).

// Connector constants.
const (
	MetaConnector = "MetaConnector"

	PostbackInherit = "inherit"
	PostbackJSON    = "json"
	PostbackXML     = "xml"

	connectorKind  = "connector"
	merchantPrefix = "ME-"
	connectorPref  = "CO-"
	maxRetries     = 9
	maxSettings    = 100
	maxTerminals   = 100
	maxShortText   = 100
	maxDescription = 1000
)

// DisabledTransactionTypes are the values of a connector's
// disabledTransactionTypes.
var DisabledTransactionTypes = []string{"initial_debit", "initial_preauthorize", "capture", "partial_capture", "refund",
	"partial_refund", "register", "deregister", "payout", "recurring_debit", "recurring_preauthorize"}

// Merchant owns connectors.
type Merchant struct {
	GUID        string    `json:"guid"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Archived    bool      `json:"archived"`
	CreatedAt   time.Time `json:"createdAt"`
}

// CreateMerchantRequest creates a merchant: Name (1 to 100 characters) is
// required.
type CreateMerchantRequest struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// Terminal is a terminal of a connector.
type Terminal struct {
	TerminalID       string `json:"terminalId"`
	Disabled         bool   `json:"disabled"`
	Stan             *int64 `json:"stan,omitempty"`
	CaptureReference string `json:"captureReference,omitempty"`
}

// RoutingMetaConnector is a classic routing meta-connector: it routes to
// DefaultConnector.
type RoutingMetaConnector struct {
	DefaultConnector string `json:"defaultConnector"`
	ReRouteRecurring bool   `json:"reRouteRecurring"`
}

// MultiMethodMetaConnector routes by its Rules (see [Route]); with no rule
// matching it disables the transaction when DefaultActionDisableConnector
// is set. Retries (0 to 9) is how many further connectors a payment may
// try; Expiry is in hours.
type MultiMethodMetaConnector struct {
	DefaultActionDisableConnector bool          `json:"defaultActionDisableConnector"`
	Retries                       int           `json:"retries"`
	Expiry                        int           `json:"expiry"`
	Rules                         []RoutingRule `json:"rules,omitempty"`
}

// ConnectorConfig is a connector's configuration as returned: its
// credentials (username, password, apiSecret) and the vault configuration
// never are.
type ConnectorConfig struct {
	ExtraData map[string]any `json:"extraData"`
	Language  string         `json:"language,omitempty"`
	TestMode  bool           `json:"testMode"`
}

// Connector is a connector as returned. APIKey, the credentials (username,
// password, apiSecret) and the vault configuration are never returned;
// SharedSecret only by the call that generated it (a documented deviation
// from the seed's examples, which echo them). Archiving is
// [Vault.ArchiveConnector]'s, and lasts.
type Connector struct {
	GUID                     string                    `json:"guid"`
	Name                     string                    `json:"name"`
	Adapter                  string                    `json:"adapter"`
	Method                   string                    `json:"method"`
	PublicIntegrationKey     string                    `json:"publicIntegrationKey,omitempty"`
	SharedSecret             Secret                    `json:"sharedSecret,omitzero"`
	Archived                 bool                      `json:"archived"`
	BusinessCountry          string                    `json:"businessCountry,omitempty"`
	Config                   ConnectorConfig           `json:"config"`
	CreatedAt                time.Time                 `json:"createdAt"`
	CustomerProfileContainer *int64                    `json:"customerProfileContainer"`
	DefaultRiskRuleSet       *int64                    `json:"defaultRiskRuleSet"`
	Description              string                    `json:"description,omitempty"`
	Disabled                 bool                      `json:"disabled"`
	DisabledTransactionTypes []string                  `json:"disabledTransactionTypes"`
	MerchantGUID             string                    `json:"merchantGuid"`
	IsMetaConnector          bool                      `json:"isMetaConnector"`
	PostbackFormat           string                    `json:"postbackFormat"`
	Provider                 string                    `json:"provider,omitempty"`
	ScheduleAPIAvailable     bool                      `json:"scheduleApiAvailable"`
	VirtualTerminalAvailable bool                      `json:"virtualTerminalAvailable"`
	VtRiskRuleSet            *int64                    `json:"vtRiskRuleSet"`
	Settings                 map[string]string         `json:"settings"`
	Alias                    string                    `json:"alias,omitempty"`
	Terminals                []Terminal                `json:"terminals"`
	RoutingMetaConnector     *RoutingMetaConnector     `json:"routingMetaConnector,omitempty"`
	MultiMethodMetaConnector *MultiMethodMetaConnector `json:"multiMethodMetaConnector,omitempty"`
}

// String describes the connector without its secrets.
func (c Connector) String() string {
	return "Connector{GUID:" + c.GUID + " Adapter:" + c.Adapter + " Name:" + strconv.Quote(c.Name) + "}"
}

// Format prints what String returns, whatever the verb.
func (c Connector) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// LogValue logs the connector's guid and adapter only.
func (c Connector) LogValue() slog.Value {
	return slog.GroupValue(slog.String("guid", c.GUID), slog.String("adapter", c.Adapter))
}

// ConnectorConfigRequest is the config of a connector request; every
// member is optional. Username, Password, APISecret and Vault are the
// adapter's credentials: sealed, never returned.
type ConnectorConfigRequest struct {
	Username  *string           `json:"username,omitempty"`
	Password  *Secret           `json:"password,omitempty"`
	APISecret *Secret           `json:"apiSecret,omitempty"`
	ExtraData map[string]any    `json:"extraData,omitempty"`
	Language  *string           `json:"language,omitempty"`
	TestMode  *bool             `json:"testMode,omitempty"`
	Vault     map[string]Secret `json:"vault,omitempty"`
}

// ConnectorRequest creates a connector (name, adapter, method and apiKey
// required) or updates one: a member left nil keeps its value. Settings
// replaces the settings when set; AddSettings then merges into them and
// RemoveSettings deletes the keys it names. A request never prints its
// secrets.
type ConnectorRequest struct {
	Name                     *string                   `json:"name,omitempty"`
	Adapter                  *string                   `json:"adapter,omitempty"`
	Method                   *string                   `json:"method,omitempty"`
	APIKey                   *Secret                   `json:"apiKey,omitempty"`
	PublicIntegrationKey     *string                   `json:"publicIntegrationKey,omitempty"`
	SharedSecret             *Secret                   `json:"sharedSecret,omitempty"`
	BusinessCountry          *string                   `json:"businessCountry,omitempty"`
	Config                   *ConnectorConfigRequest   `json:"config,omitempty"`
	Description              *string                   `json:"description,omitempty"`
	CustomerProfileContainer *int64                    `json:"customerProfileContainer,omitempty"`
	Disabled                 *bool                     `json:"disabled,omitempty"`
	DisabledTransactionTypes []string                  `json:"disabledTransactionTypes,omitempty"`
	PostbackFormat           *string                   `json:"postbackFormat,omitempty"`
	Provider                 *string                   `json:"provider,omitempty"`
	ScheduleAPIAvailable     *bool                     `json:"scheduleApiAvailable,omitempty"`
	VirtualTerminalAvailable *bool                     `json:"virtualTerminalAvailable,omitempty"`
	VtRiskRuleSet            *int64                    `json:"vtRiskRuleSet,omitempty"`
	DefaultRiskRuleSet       *int64                    `json:"defaultRiskRuleSet,omitempty"`
	Alias                    *string                   `json:"alias,omitempty"`
	Settings                 map[string]string         `json:"settings,omitempty"`
	AddSettings              map[string]string         `json:"addSettings,omitempty"`
	RemoveSettings           []string                  `json:"removeSettings,omitempty"`
	Terminals                []Terminal                `json:"terminals,omitempty"`
	RoutingMetaConnector     *RoutingMetaConnector     `json:"routingMetaConnector,omitempty"`
	MultiMethodMetaConnector *MultiMethodMetaConnector `json:"multiMethodMetaConnector,omitempty"`
	// ClearRoutingMetaConnector and ClearMultiMethodMetaConnector remove
	// that member on update, so a meta-connector can change kind: clear one
	// and set the other in the same request (the REST API sends the member
	// as null).
	ClearRoutingMetaConnector     bool `json:"-"`
	ClearMultiMethodMetaConnector bool `json:"-"`
}

// String describes the request without its secrets.
func (r ConnectorRequest) String() string { return "ConnectorRequest{[REDACTED]}" }

// Format prints what String returns, whatever the verb.
func (r ConnectorRequest) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, r.String()) }

// LogValue logs what String returns.
func (r ConnectorRequest) LogValue() slog.Value { return slog.StringValue(r.String()) }

// ConnectorSettings are an adapter's settings (getConnectorSettings):
// baseConfig entries go in config.extraData, vaultConfig ones in
// config.vault.
type ConnectorSettings struct {
	BaseConfig  []gateway.ConfigEntry `json:"baseConfig"`
	VaultConfig []gateway.ConfigEntry `json:"vaultConfig"`
}

// merchantRecord is a merchant as stored.
type merchantRecord struct {
	Merchant
}

// connectorRecord is a connector as stored: its secrets (apiKey,
// sharedSecret, username, password, apiSecret, vault) in Secrets, sealed.
type connectorRecord struct {
	Connector
	Secrets []byte `json:"secrets,omitempty"`
}

// connectorSecrets is the sealed part of a connector.
type connectorSecrets struct {
	APIKey       string            `json:"apiKey,omitempty"`
	SharedSecret string            `json:"sharedSecret,omitempty"`
	Username     string            `json:"username,omitempty"`
	Password     string            `json:"password,omitempty"`
	APISecret    string            `json:"apiSecret,omitempty"`
	Vault        map[string]string `json:"vault,omitempty"`
}

var (
	merchantTable = register(&table[merchantRecord]{
		bucket: "merchants",
		schema: 1,
		id:     func(r *merchantRecord) string { return r.GUID },
	})
	connectorTable = register(&table[connectorRecord]{
		bucket:  "connectors",
		kind:    connectorKind,
		schema:  1,
		id:      func(r *connectorRecord) string { return r.GUID },
		indexes: []*index[connectorRecord]{connectorByMerchant},
		sealed: func(r *connectorRecord) []sealedField {
			return []sealedField{{sealFieldConfig, &r.Secrets, r.GUID}}
		},
	})
	// connectorByMerchant lists a merchant's connectors.
	connectorByMerchant = &index[connectorRecord]{bucket: "connectors.merchant", terms: func(r *connectorRecord) [][]byte {
		return [][]byte{keyenc.AppendString(nil, r.MerchantGUID)}
	}}
)

// newGUID returns a guid of the seed's format: the prefix and six groups of
// four upper-case hex digits.
func newGUID(prefix string) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	h := strings.ToUpper(hex.EncodeToString(b[:]))
	var sb strings.Builder
	sb.WriteString(prefix)
	for i := 0; i < len(h); i += 4 {
		if i > 0 {
			sb.WriteByte('-')
		}
		sb.WriteString(h[i : i+4])
	}
	return sb.String()
}

// newSharedSecret returns 30 random letters and digits, as the seed's
// examples show.
func newSharedSecret() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 30)
	for i := range b {
		var x [1]byte
		for {
			_, _ = rand.Read(x[:])
			if int(x[0]) < 256-256%len(alphabet) {
				break
			}
		}
		b[i] = alphabet[int(x[0])%len(alphabet)]
	}
	return string(b)
}

// reasoned collects field errors with their reasons.
type reasoned struct {
	fe      fieldErrors
	reasons map[string]FieldReason
}

func newReasoned() *reasoned { return &reasoned{fe: fieldErrors{}, reasons: map[string]FieldReason{}} }

func (r *reasoned) add(path string, reason FieldReason, msg string, args ...any) {
	r.fe.add(path, msg, args...)
	if _, ok := r.reasons[path]; !ok {
		r.reasons[path] = reason
	}
}

func (r *reasoned) err(op string) error {
	if len(r.fe) == 0 {
		return nil
	}
	return &Error{Kind: KindInvalid, Op: op, Detail: "one or more validation errors occurred", Fields: r.fe, Reasons: r.reasons}
}

var (
	languageRe = regexp.MustCompile(`^[a-z]{2}$`)
	countryRe  = regexp.MustCompile(`^[A-Z]{2}$`)
)

// checkText checks a text member: at most max characters, no control
// characters.
func (r *reasoned) checkText(path, s string, min, max int) {
	n := len([]rune(s))
	switch {
	case strings.ContainsFunc(s, func(c rune) bool { return unicode.IsControl(c) || c == unicode.ReplacementChar }):
		r.add(path, ReasonCharacters, "contains characters that are not allowed")
	case n < min:
		r.add(path, ReasonFormat, "must be at least %d characters", min)
	case n > max:
		r.add(path, ReasonFormat, "must be at most %d characters", max)
	}
}

// checkSecret checks a credential: 1 to 500 characters, no whitespace or
// control characters.
func (r *reasoned) checkSecret(path, s string, max int) {
	switch {
	case s == "":
		r.add(path, ReasonRequired, "must not be empty")
	case strings.ContainsFunc(s, func(c rune) bool { return unicode.IsSpace(c) || unicode.IsControl(c) }):
		r.add(path, ReasonCharacters, "contains characters that are not allowed")
	case len(s) > max:
		r.add(path, ReasonFormat, "must be at most %d characters", max)
	}
}

// adapterByName returns the registered adapter whose IXOPAY name is name.
func (c *catalogue) adapterByName(name string) gateway.Adapter {
	for _, id := range slices.Sorted(maps.Keys(c.adapters)) { // the same one every time
		if a := c.adapters[id]; a.Definition().Adapter == name {
			return a
		}
	}
	return nil
}

// checkConfigEntries checks values against an adapter's baseConfig or
// vaultConfig: every required entry present, no entry it does not declare,
// each of its declared type.
func (r *reasoned) checkConfigEntries(path string, entries []gateway.ConfigEntry, values map[string]any) {
	declared := map[string]gateway.ConfigEntry{}
	for _, e := range entries {
		declared[e.Name] = e
		if _, ok := values[e.Name]; !ok && e.Required {
			r.add(path+"."+e.Name, ReasonRequired, "is required by the adapter")
		}
	}
	for _, name := range slices.Sorted(maps.Keys(values)) {
		e, ok := declared[name]
		if !ok {
			r.add(path, ReasonNotApplicable, "holds an entry the adapter does not declare (see getConnectorSettings)")
			continue
		}
		if !configTypeFits(e.Type, values[name]) {
			r.add(path+"."+name, ReasonFormat, "must be a %s", e.Type)
		}
	}
}

// maxConfigDepth and maxConfigNodes bound an extraData or object value.
const (
	maxConfigDepth = 8
	maxConfigNodes = 1000
)

// configTypeFits reports whether v is a value of the config type typ; an
// object must be plain JSON within maxConfigDepth and maxConfigNodes, and a
// type the vault does not know fits nothing.
func configTypeFits(typ string, v any) bool {
	switch typ {
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "number", "integer":
		return isFiniteNumber(v)
	case "object":
		_, ok := v.(map[string]any)
		nodes := 0
		return ok && plainJSON(v, 0, &nodes)
	}
	return false
}

// isFiniteNumber is isJSONNumber without NaN and the infinities, which JSON
// cannot hold.
func isFiniteNumber(v any) bool {
	switch f := v.(type) {
	case float64:
		return !math.IsNaN(f) && !math.IsInf(f, 0)
	case float32:
		return !math.IsNaN(float64(f)) && !math.IsInf(float64(f), 0)
	}
	return isJSONNumber(v)
}

// plainJSON reports whether v is a JSON value (maps, slices, strings,
// bools, finite numbers, nil) no deeper than maxConfigDepth, counting its
// nodes against maxConfigNodes.
func plainJSON(v any, depth int, nodes *int) bool {
	*nodes++
	if depth > maxConfigDepth || *nodes > maxConfigNodes {
		return false
	}
	switch x := v.(type) {
	case nil, string, bool:
		return true
	case map[string]any:
		for _, e := range x {
			if !plainJSON(e, depth+1, nodes) {
				return false
			}
		}
		return true
	case []any:
		for _, e := range x {
			if !plainJSON(e, depth+1, nodes) {
				return false
			}
		}
		return true
	}
	return isFiniteNumber(v)
}

// connectorChange is a validated request applied to a connector.
type connectorChange struct {
	rec     connectorRecord
	secrets connectorSecrets
	// generated is the shared secret generated by this call, shown once.
	generated string
}

// applyConnector applies req to cur (the zero record for a create) and
// validates the result with reasons. known reports whether a guid names a
// live connector of the merchant, for meta-connectors.
func (v *Vault) applyConnector(op string, create bool, cur *connectorRecord, secrets connectorSecrets, req ConnectorRequest,
	known func(guid string) bool) (*connectorChange, error) {
	r := newReasoned()
	ch := &connectorChange{rec: *cur, secrets: secrets}
	c := &ch.rec.Connector
	s := &ch.secrets
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&c.Name, req.Name)
	set(&c.Adapter, req.Adapter)
	set(&c.Method, req.Method)
	set(&c.PublicIntegrationKey, req.PublicIntegrationKey)
	set(&c.BusinessCountry, req.BusinessCountry)
	set(&c.Description, req.Description)
	set(&c.PostbackFormat, req.PostbackFormat)
	set(&c.Provider, req.Provider)
	set(&c.Alias, req.Alias)
	for dst, src := range map[*bool]*bool{&c.Disabled: req.Disabled, &c.ScheduleAPIAvailable: req.ScheduleAPIAvailable,
		&c.VirtualTerminalAvailable: req.VirtualTerminalAvailable} {
		if src != nil {
			*dst = *src
		}
	}
	for _, f := range []struct {
		name string
		dst  **int64
		src  *int64
	}{
		{"customerProfileContainer", &c.CustomerProfileContainer, req.CustomerProfileContainer},
		{"vtRiskRuleSet", &c.VtRiskRuleSet, req.VtRiskRuleSet},
		{"defaultRiskRuleSet", &c.DefaultRiskRuleSet, req.DefaultRiskRuleSet},
	} {
		if f.src != nil {
			n := *f.src
			*f.dst = &n
			if n < 0 {
				r.add(f.name, ReasonFormat, "must be 0 or more")
			}
		}
	}
	if req.APIKey != nil {
		s.APIKey = req.APIKey.Reveal()
		r.checkSecret("apiKey", s.APIKey, 500)
	} else if create {
		r.add("apiKey", ReasonRequired, "is required")
	}
	if req.SharedSecret != nil {
		s.SharedSecret = req.SharedSecret.Reveal()
		if s.SharedSecret != "" {
			r.checkSecret("sharedSecret", s.SharedSecret, 50)
		}
	}
	if s.SharedSecret == "" {
		s.SharedSecret = newSharedSecret()
		ch.generated = s.SharedSecret
	}
	if req.DisabledTransactionTypes != nil {
		c.DisabledTransactionTypes = slices.Clone(req.DisabledTransactionTypes)
		for i, t := range c.DisabledTransactionTypes {
			p := "disabledTransactionTypes[" + strconv.Itoa(i) + "]"
			switch {
			case !slices.Contains(DisabledTransactionTypes, t):
				r.add(p, ReasonValue, "must be one of %s", strings.Join(DisabledTransactionTypes, ", "))
			case slices.Contains(c.DisabledTransactionTypes[:i], t):
				r.add(p, ReasonValue, "is listed twice")
			}
		}
	}
	if c.DisabledTransactionTypes == nil {
		c.DisabledTransactionTypes = []string{}
	}
	applySettings(r, c, req)
	if req.Terminals != nil {
		c.Terminals = slices.Clone(req.Terminals)
		checkTerminals(r, c.Terminals)
	}
	if c.Terminals == nil {
		c.Terminals = []Terminal{}
	}
	if c.PostbackFormat == "" {
		c.PostbackFormat = PostbackInherit
	}
	if req.ClearRoutingMetaConnector {
		c.RoutingMetaConnector = nil
	}
	if req.ClearMultiMethodMetaConnector {
		c.MultiMethodMetaConnector = nil
	}
	if req.RoutingMetaConnector != nil {
		m := *req.RoutingMetaConnector
		c.RoutingMetaConnector = &m
	}
	if req.MultiMethodMetaConnector != nil {
		m := *req.MultiMethodMetaConnector
		m.Rules = slices.Clone(m.Rules)
		c.MultiMethodMetaConnector = &m
	}

	// The members' own rules.
	switch {
	case c.Name == "":
		r.add("name", ReasonRequired, "is required")
	default:
		r.checkText("name", c.Name, 3, maxShortText)
	}
	var adapter gateway.Adapter
	switch {
	case c.Adapter == "":
		r.add("adapter", ReasonRequired, "is required")
	case c.Adapter == MetaConnector:
	default:
		if adapter = v.gateways.adapterByName(c.Adapter); adapter == nil {
			r.add("adapter", ReasonValue, "must be a registered adapter or MetaConnector")
		}
	}
	switch {
	case c.Method == "":
		r.add("method", ReasonRequired, "is required")
	default:
		r.checkText("method", c.Method, 1, maxShortText)
	}
	r.checkText("publicIntegrationKey", c.PublicIntegrationKey, 0, maxShortText)
	r.checkText("description", c.Description, 0, maxDescription)
	r.checkText("provider", c.Provider, 0, maxShortText)
	r.checkText("alias", c.Alias, 0, maxShortText)
	if c.BusinessCountry != "" {
		switch {
		case !countryRe.MatchString(c.BusinessCountry):
			r.add("businessCountry", ReasonFormat, "must match ^[A-Z]{2}$")
		case !isCountry(c.BusinessCountry):
			r.add("businessCountry", ReasonValue, "must be an ISO 3166-1 alpha-2 country code")
		}
	}
	switch c.PostbackFormat {
	case PostbackInherit, PostbackJSON, PostbackXML:
	default:
		r.add("postbackFormat", ReasonValue, "must be inherit, json or xml")
	}
	v.applyConfig(r, c, s, req.Config, adapter)
	checkMeta(r, c, known)
	if err := r.err(op); err != nil {
		return nil, err
	}
	c.IsMetaConnector = c.Adapter == MetaConnector
	return ch, nil
}

// applySettings applies settings, addSettings and removeSettings.
func applySettings(r *reasoned, c *Connector, req ConnectorRequest) {
	if req.Settings != nil {
		c.Settings = maps.Clone(req.Settings)
	}
	if c.Settings == nil {
		c.Settings = map[string]string{}
	}
	maps.Copy(c.Settings, req.AddSettings)
	for _, k := range req.RemoveSettings {
		delete(c.Settings, k)
	}
	if len(c.Settings) > maxSettings {
		r.add("settings", ReasonFormat, "must hold at most %d entries", maxSettings)
	}
	for _, k := range slices.Sorted(maps.Keys(c.Settings)) {
		if k == "" || len(k) > maxShortText || strings.ContainsFunc(k, unicode.IsControl) {
			r.add("settings", ReasonFormat, "keys must be 1 to %d characters without control characters", maxShortText)
			break
		}
		if len(c.Settings[k]) > maxDescription {
			r.add("settings", ReasonFormat, "values must be at most %d characters", maxDescription)
			break
		}
	}
}

func checkTerminals(r *reasoned, terms []Terminal) {
	if len(terms) > maxTerminals {
		r.add("terminals", ReasonFormat, "must hold at most %d terminals", maxTerminals)
		return
	}
	for i, t := range terms {
		p := "terminals[" + strconv.Itoa(i) + "]"
		switch {
		case t.TerminalID == "":
			r.add(p+".terminalId", ReasonRequired, "is required")
		case slices.ContainsFunc(terms[:i], func(o Terminal) bool { return o.TerminalID == t.TerminalID }):
			r.add(p+".terminalId", ReasonValue, "is listed twice")
		default:
			r.checkText(p+".terminalId", t.TerminalID, 1, maxShortText)
		}
		if t.Stan != nil && *t.Stan < 0 {
			r.add(p+".stan", ReasonFormat, "must be 0 or more")
		}
		r.checkText(p+".captureReference", t.CaptureReference, 0, maxShortText)
	}
}

// applyConfig applies and checks the config: language, the credentials,
// extraData against the adapter's baseConfig and vault against its
// vaultConfig.
func (v *Vault) applyConfig(r *reasoned, c *Connector, s *connectorSecrets, cfg *ConnectorConfigRequest, adapter gateway.Adapter) {
	if c.Config.ExtraData == nil {
		c.Config.ExtraData = map[string]any{}
	}
	if cfg != nil {
		if cfg.Username != nil {
			s.Username = *cfg.Username
			r.checkText("config.username", s.Username, 0, 500)
		}
		if cfg.Password != nil {
			s.Password = cfg.Password.Reveal()
			r.checkSecret("config.password", s.Password, 500)
		}
		if cfg.APISecret != nil {
			s.APISecret = cfg.APISecret.Reveal()
			r.checkSecret("config.apiSecret", s.APISecret, 500)
		}
		if cfg.Language != nil {
			c.Config.Language = *cfg.Language
		}
		if cfg.TestMode != nil {
			c.Config.TestMode = *cfg.TestMode
		}
		if cfg.ExtraData != nil {
			c.Config.ExtraData = maps.Clone(cfg.ExtraData)
		}
		if cfg.Vault != nil {
			s.Vault = map[string]string{}
			for k, val := range cfg.Vault {
				s.Vault[k] = val.Reveal()
			}
		}
	}
	if c.Config.Language != "" && !languageRe.MatchString(c.Config.Language) {
		r.add("config.language", ReasonFormat, "must match ^[a-z]{2}$")
	}
	if c.Adapter == MetaConnector {
		if len(c.Config.ExtraData) > 0 || len(s.Vault) > 0 {
			r.add("config", ReasonNotApplicable, "a meta-connector has no adapter configuration")
		}
		return
	}
	if adapter == nil {
		return
	}
	d := adapter.Definition()
	r.checkConfigEntries("config.extraData", d.BaseConfig, c.Config.ExtraData)
	vault := make(map[string]any, len(s.Vault))
	for k, val := range s.Vault {
		vault[k] = val
	}
	r.checkConfigEntries("config.vault", d.VaultConfig, vault)
}

// checkMeta checks the meta-connector members: only with adapter and
// method MetaConnector, one of them exactly, their connectors live ones of
// the merchant.
func checkMeta(r *reasoned, c *Connector, known func(string) bool) {
	meta := c.Adapter == MetaConnector
	if meta && c.Method != MetaConnector {
		r.add("method", ReasonValue, "must be MetaConnector for a meta-connector")
	}
	if !meta && c.Method == MetaConnector {
		r.add("method", ReasonNotApplicable, "MetaConnector is the method of meta-connectors only")
	}
	rm, mm := c.RoutingMetaConnector, c.MultiMethodMetaConnector
	switch {
	case !meta && rm != nil:
		r.add("routingMetaConnector", ReasonNotApplicable, "needs adapter and method MetaConnector")
	case !meta && mm != nil:
		r.add("multiMethodMetaConnector", ReasonNotApplicable, "needs adapter and method MetaConnector")
	case rm != nil && mm != nil:
		r.add("multiMethodMetaConnector", ReasonNotApplicable, "a meta-connector is a routing or a multi-method one, not both")
	case meta && rm == nil && mm == nil:
		r.add("routingMetaConnector", ReasonRequired, "a meta-connector needs routingMetaConnector or multiMethodMetaConnector")
	}
	if rm != nil && meta {
		switch {
		case rm.DefaultConnector == "":
			r.add("routingMetaConnector.defaultConnector", ReasonRequired, "is required")
		case rm.DefaultConnector == c.GUID || !known(rm.DefaultConnector):
			r.add("routingMetaConnector.defaultConnector", ReasonNotFound, "must name another connector of the merchant")
		}
	}
	if mm != nil && meta {
		if mm.Retries < 0 || mm.Retries > maxRetries {
			r.add("multiMethodMetaConnector.retries", ReasonValue, "must be 0 to %d", maxRetries)
		}
		if mm.Expiry < 0 {
			r.add("multiMethodMetaConnector.expiry", ReasonFormat, "must be 0 or more hours")
		}
		fe := fieldErrors{}
		checkRoutingRules(fe, "multiMethodMetaConnector.rules", mm.Rules, func(guid string) bool { return guid != c.GUID && known(guid) })
		for path, msgs := range fe {
			for _, m := range msgs {
				r.add(path, ReasonInvalid, "%s", m)
			}
		}
	}
}

// sealConnector seals a connector's secrets for its guid.
func sealConnector(tk *keys.TenantKeys, tenant, guid string, s *connectorSecrets) ([]byte, error) {
	plain, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	sealed, err := tk.Seal(plain, keysAD(tenant, connectorKind, guid, sealFieldConfig))
	clear(plain)
	return sealed, err
}

// openConnector opens a connector's secrets (outside a store transaction).
func (v *Vault) openConnector(ctx context.Context, tenant string, tk *keys.TenantKeys, r *connectorRecord) (connectorSecrets, error) {
	return decodeConnectorSecrets(tenant, r, func(sealed []byte, ad keys.AD) ([]byte, error) { return v.openSealed(ctx, tk, sealed, ad) })
}

// openConnectorTx is openConnector inside a store transaction: no I/O.
func openConnectorTx(tenant string, tk *keys.TenantKeys, r *connectorRecord) (connectorSecrets, error) {
	return decodeConnectorSecrets(tenant, r, tk.Open)
}

func decodeConnectorSecrets(tenant string, r *connectorRecord, open func(sealed []byte, ad keys.AD) ([]byte, error)) (connectorSecrets, error) {
	var s connectorSecrets
	if r.Secrets == nil {
		return s, nil
	}
	plain, err := open(r.Secrets, keysAD(tenant, connectorKind, r.GUID, sealFieldConfig))
	if err != nil {
		return s, err
	}
	err = json.Unmarshal(plain, &s)
	clear(plain)
	return s, err
}
