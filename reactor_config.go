package vault

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/tokenvault/vault/internal/jsonv"
	"github.com/tokenvault/vault/keys"
)

// A reactor's configuration: sealed at rest under the tenant's key, opened
// for an invocation and shown only to callers allowed to read it.

// sealConfig seals a configuration for the record id of kind (a reactor,
// an exchange); nil when empty.
func sealConfig(tk *keys.TenantKeys, tenant, kind, id string, config map[string]string) ([]byte, error) {
	if len(config) == 0 {
		return nil, nil
	}
	plain, err := json.Marshal(config)
	if err != nil {
		return nil, err
	}
	sealed, err := tk.Seal(plain, keysAD(tenant, kind, id, sealFieldConfig))
	clear(plain)
	return sealed, err
}

// openSealed opens a sealed value outside a store transaction; a data-key
// version it does not know (another process rotated) makes it reload the
// tenant's keys and try once more.
func (v *Vault) openSealed(ctx context.Context, tk *keys.TenantKeys, sealed []byte, ad keys.AD) ([]byte, error) {
	plain, err := tk.Open(sealed, ad)
	if errors.Is(err, keys.ErrKeyNotFound) && !errors.Is(err, keys.ErrTenantDeleted) {
		if _, rerr := v.keys.Tenant(ctx, ad.Tenant); rerr == nil {
			plain, err = tk.Open(sealed, ad)
		}
	}
	return plain, err
}

// sealedConfig is a sealed configuration and the record it is bound to.
type sealedConfig struct {
	kind, id string
	sealed   []byte
}

func (r *reactorRecord) sealedConfig() sealedConfig { return sealedConfig{reactorKind, r.ID, r.Config} }

// openConfig returns the plaintext of a sealed configuration. It may reload
// the tenant's keys, so it must not run inside a store transaction;
// openConfigTx does no I/O.
func (v *Vault) openConfig(ctx context.Context, tenant string, tk *keys.TenantKeys, c sealedConfig) (map[string]string, error) {
	return decodeConfig(tenant, c, func(sealed []byte, ad keys.AD) ([]byte, error) { return v.openSealed(ctx, tk, sealed, ad) })
}

func openConfigTx(tenant string, tk *keys.TenantKeys, c sealedConfig) (map[string]string, error) {
	return decodeConfig(tenant, c, tk.Open)
}

func decodeConfig(tenant string, c sealedConfig, open func(sealed []byte, ad keys.AD) ([]byte, error)) (map[string]string, error) {
	config := map[string]string{}
	if c.sealed == nil {
		return config, nil
	}
	plain, err := open(c.sealed, keysAD(tenant, c.kind, c.id, sealFieldConfig))
	if err != nil {
		return nil, err
	}
	doc, err := jsonv.Decode(plain)
	clear(plain)
	m, ok := doc.(map[string]any)
	if err != nil || !ok {
		return nil, errors.New(c.kind + " configuration does not decode")
	}
	for k, val := range m {
		s, ok := val.(string)
		if !ok {
			return nil, errors.New(c.kind + " configuration does not decode")
		}
		config[k] = s
	}
	return config, nil
}

// visibleConfig is the configuration as the caller may see it: nil without
