package vault

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/tokenvault/vault/keys"
	"github.com/tokenvault/vault/storage"
)

// Tenant settings (Tenant.Settings). Values are strings, as on the hosted
// platform.
const (
	// SettingFingerprintTokens ("true"/"false", default "false") gives tokens
	// created without a fingerprint expression their type's default one.
	SettingFingerprintTokens = "fingerprint_tokens"
	// SettingDeduplicateTokens ("true"/"false", default "false") makes token
	// creation return an existing token with the same fingerprint.
	SettingDeduplicateTokens = "deduplicate_tokens"
	// SettingDeduplicationBehavior is read_existing (default) or
	// update_existing.
	SettingDeduplicationBehavior = "token_deduplication_behavior"
	// SettingTokenizeLimit is the most tokens one Tokenize call may create
	// (default 5, as the hosted platform's quota).
	SettingTokenizeLimit = "tokenize_limit"
	// SettingDetokenizeLimit is the most expressions one Detokenize call may
	// hold (default 5).
	SettingDetokenizeLimit = "detokenize_limit"
	// SettingCVCRetention is how long a card's cvc is kept, in Go duration
	// syntax ("1h", default) or seconds; "0" keeps it forever.
	SettingCVCRetention = "cvc_retention"
)

// Defaults of the tenant settings.
const (
	DefaultTokenizeLimit   = 5
	DefaultDetokenizeLimit = 5
	DefaultCVCRetention    = time.Hour
	// settingsTTL bounds how long a process keeps tenant settings cached; a
	// change made by another process sharing the store shows within it.
	settingsTTL = time.Second
)

type tenantSettings struct {
	fingerprint      bool
	dedup            bool
	dedupBehavior    string
	tokenizeLimit    int
	detokenizeLimit  int
	cvcRetention     time.Duration
	noEphemeralProxy bool
	loaded           time.Time
}

// parseSettings reads the typed settings from a tenant's map, with defaults
// for what is absent. validate reports the errors of values that do not
// parse, by field path.
func parseSettings(m map[string]string) (*tenantSettings, fieldErrors) {
	s := &tenantSettings{
		dedupBehavior:   DedupReadExisting,
		tokenizeLimit:   DefaultTokenizeLimit,
		detokenizeLimit: DefaultDetokenizeLimit,
		cvcRetention:    DefaultCVCRetention,
	}
	fe := fieldErrors{}
	boolSetting := func(key string, dst *bool) {
		if v, ok := m[key]; ok {
			b, err := strconv.ParseBool(v)
			if err != nil {
				fe.add("settings."+key, "must be \"true\" or \"false\"")
			}
			*dst = b
		}
	}
	intSetting := func(key string, dst *int) {
		if v, ok := m[key]; ok {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 10000 {
				fe.add("settings."+key, "must be an integer from 1 to 10000")
				return
			}
			*dst = n
		}
	}
	boolSetting(SettingFingerprintTokens, &s.fingerprint)
	boolSetting(SettingDeduplicateTokens, &s.dedup)
	boolSetting(SettingDisableEphemeralProxy, &s.noEphemeralProxy)
	if v, ok := m[SettingDeduplicationBehavior]; ok {
		if v != DedupReadExisting && v != DedupUpdateExisting {
			fe.add("settings."+SettingDeduplicationBehavior, "must be read_existing or update_existing")
		} else {
			s.dedupBehavior = v
		}
	}
	intSetting(SettingTokenizeLimit, &s.tokenizeLimit)
	intSetting(SettingDetokenizeLimit, &s.detokenizeLimit)
	if v, ok := m[SettingCVCRetention]; ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			n, nerr := strconv.Atoi(v)
			d, err = time.Duration(n)*time.Second, nerr
		}
		if err != nil || d < 0 {
			fe.add("settings."+SettingCVCRetention, "must be a non-negative duration such as 1h or a number of seconds")
		} else {
			s.cvcRetention = d
		}
	}
	return s, fe
}

// settingsCache keeps parsed tenant settings for settingsTTL.
type settingsCache struct {
	mu sync.RWMutex
	m  map[string]*tenantSettings
}

func (c *settingsCache) get(tenant string, now time.Time) *tenantSettings {
	c.mu.RLock()
	defer c.mu.RUnlock()
	s := c.m[tenant]
	if s == nil || now.Sub(s.loaded) > settingsTTL {
		return nil
	}
	return s
}

func (c *settingsCache) put(tenant string, s *tenantSettings) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]*tenantSettings{}
	}
	c.m[tenant] = s
}

func (c *settingsCache) drop(tenant string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, tenant)
}

// tenantContext returns the tenant's keys and settings, from cache when warm.
func (v *Vault) tenantContext(ctx context.Context, tenant string) (*keys.TenantKeys, *tenantSettings, error) {
	if v.closed.Load() {
		return nil, nil, ErrClosed
	}
	now := v.now()
	s := v.settings.get(tenant, now)
	if s == nil {
		var t *tenantRecord
		err := v.store.View(ctx, func(tx storage.Tx) error {
			var err error
			t, err = liveTenant(tx, "", tenant)
			return err
		})
		if err != nil {
			return nil, nil, err
		}
		s, _ = parseSettings(t.Settings)
		s.loaded = now
		v.settings.put(tenant, s)
	}
	tk, err := v.keys.Tenant(ctx, tenant)
	if err != nil {
		return nil, nil, err
	}
	return tk, s, nil
}

// tenantKeys returns the tenant's keys alone, for reads that need no
// settings. A deleted tenant is not found.
func (v *Vault) tenantKeys(ctx context.Context, tenant string) (*keys.TenantKeys, error) {
	if v.closed.Load() {
		return nil, ErrClosed
	}
	tk, err := v.keys.Tenant(ctx, tenant)
	if errors.Is(err, keys.ErrTenantDeleted) {
		return nil, newError(KindNotFound, "", "tenant not found")
	}
	return tk, err
}
