package vault

import (
	"context"
	"errors"
	"maps"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/tokenvault/vault/keys"
	"github.com/tokenvault/vault/storage"
)

// Tenant is an isolated space of the vault: its own data keys, settings and
// resources. Settings hold strings, as on the hosted platform (see the
// Setting constants).
type Tenant struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Settings   map[string]string `json:"settings"`
	CreatedAt  time.Time         `json:"created_at"`
	ModifiedAt *time.Time        `json:"modified_at,omitempty"`
}

type tenantRecord struct {
	Tenant
	// DeletedAt marks a tenant whose keys are destroyed and whose records
	// the sweeper is purging.
	DeletedAt *time.Time `json:"deleted_at,omitempty"`
}

// tenants live in the global namespace (tenant "").
var tenantTable = register(&table[tenantRecord]{
	bucket: "tenants",
	schema: 1,
	id:     func(t *tenantRecord) string { return t.ID },
	shared: true,
})

const (
	metaBucket       = "meta"
	metaDefaultKey   = "default_tenant"
	defaultTenantTag = "Default"
)

// DefaultTenantID returns the id of the tenant that calls without a principal
// act on.
func (v *Vault) DefaultTenantID() string { return v.defaultTenant }

// liveTenant reads a tenant that exists and is not being deleted.
func liveTenant(tx storage.Tx, op, id string) (*tenantRecord, error) {
	t, err := tenantTable.get(tx, "", id)
	if errors.Is(err, errRecordNotFound) || err == nil && t.DeletedAt != nil {
		return nil, newError(KindNotFound, op, "tenant not found")
	}
	return t, err
}

func (t *tenantRecord) public() *Tenant {
	out := t.Tenant
	out.Settings = maps.Clone(t.Settings)
	if out.Settings == nil {
		out.Settings = map[string]string{}
	}
	return &out
}

// GetTenant returns the caller's tenant. The caller needs tenant:read.
func (v *Vault) GetTenant(ctx context.Context) (*Tenant, error) {
	const op = "GetTenant"
	p := v.principal(ctx)
	if err := p.require(op, PermTenantRead); err != nil {
		return nil, err
	}
	var t *tenantRecord
	err := v.view(ctx, op, func(tx storage.Tx) error {
		var err error
		t, err = liveTenant(tx, op, p.TenantID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return t.public(), nil
}

// CreateTenantRequest creates a tenant.
type CreateTenantRequest struct {
	Name     string            `json:"name"`
	Settings map[string]string `json:"settings,omitempty"`
}

// CreateTenant creates a tenant with its own keys, and a management
// application in it whose key (in the returned application's Key) is shown
// only now. Only the host may create tenants.
func (v *Vault) CreateTenant(ctx context.Context, req CreateTenantRequest) (*Tenant, *Application, error) {
	const op = "CreateTenant"
	p := v.principal(ctx)
	if !p.host {
		return nil, nil, newError(KindForbidden, op, "only the host creates tenants")
	}
	fe := fieldErrors{}
	checkTenantName(fe, req.Name)
	_, settingErrs := parseSettings(req.Settings)
	fe.merge("", settingErrs)
	if err := fe.err(op); err != nil {
		return nil, nil, err
	}
	id := uuid.NewString()
	if _, err := v.keys.Tenant(ctx, id); err != nil {
		return nil, nil, wrapErr(op, err)
	}
	t := &tenantRecord{Tenant: Tenant{ID: id, Name: req.Name, Settings: maps.Clone(req.Settings), CreatedAt: v.now().UTC()}}
	var key string
	err := v.update(ctx, op, func(tx storage.Tx) error {
		if err := tenantTable.insert(tx, "", t); err != nil {
			return err
		}
		var err error
		if key, err = v.bootstrap(tx, id); err != nil {
			return err
		}
		return v.emitTx(ctx, tx, id, EventTenantCreated, map[string]any{"tenant": map[string]any{"id": id, "name": req.Name}})
	})
	if err != nil {
		return nil, nil, err
	}
	var app *Application
	err = v.view(ctx, op, func(tx storage.Tx) error {
		return applicationTable.scan(tx, id, "", false, func(r *applicationRecord) error {
			app = r.public(id)
			return storage.StopScan
		})
	})
	if err != nil && err != storage.StopScan {
		return nil, nil, wrapErr(op, err)
	}
	app.Key = NewSecret(key)
	return t.public(), app, nil
}

func checkTenantName(fe fieldErrors, name string) {
	switch {
	case name == "":
		fe.add("name", "is required")
	case len([]rune(name)) > 200:
		fe.add("name", "must be at most 200 characters")
	}
}

// ListTenants returns every live tenant, by creation time. Only the host may
// list tenants.
func (v *Vault) ListTenants(ctx context.Context) ([]*Tenant, error) {
	const op = "ListTenants"
	p := v.principal(ctx)
	if !p.host {
		return nil, newError(KindForbidden, op, "only the host lists tenants")
	}
	var out []*Tenant
	err := v.view(ctx, op, func(tx storage.Tx) error {
		out = nil
		return tenantTable.scan(tx, "", "", false, func(t *tenantRecord) error {
			if t.DeletedAt == nil {
				out = append(out, t.public())
			}
			return nil
		})
	})
	slices.SortFunc(out, func(a, b *Tenant) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, err
}

// UpdateTenantRequest replaces a tenant's name and settings.
type UpdateTenantRequest struct {
	Name     string            `json:"name"`
	Settings map[string]string `json:"settings,omitempty"`
}

// UpdateTenant replaces the caller's tenant name and settings. Unknown
// setting names are kept as given; known ones must parse (see the Setting
// constants). The caller needs tenant:update. Errors: KindInvalid with
// paths such as "settings.deduplicate_tokens".
func (v *Vault) UpdateTenant(ctx context.Context, req UpdateTenantRequest) (*Tenant, error) {
	fe := fieldErrors{}
	checkTenantName(fe, req.Name)
	if err := fe.err("UpdateTenant"); err != nil {
		return nil, err
	}
	return v.changeTenant(ctx, "UpdateTenant", func(t *tenantRecord) {
		t.Name = req.Name
		t.Settings = maps.Clone(req.Settings)
	})
}

// UpdateTenantSettings merges settings into the caller's tenant settings (an
// empty value removes a setting) atomically and returns the tenant. The
// caller needs tenant:update.
func (v *Vault) UpdateTenantSettings(ctx context.Context, settings map[string]string) (*Tenant, error) {
	return v.changeTenant(ctx, "UpdateTenantSettings", func(t *tenantRecord) {
		for k, val := range settings {
			if val == "" {
				delete(t.Settings, k)
			} else {
				t.Settings[k] = val
			}
		}
	})
}

// changeTenant applies change to the caller's tenant in one transaction and
// validates the resulting settings.
func (v *Vault) changeTenant(ctx context.Context, op string, change func(t *tenantRecord)) (*Tenant, error) {
	p := v.principal(ctx)
	if err := p.require(op, PermTenantUpdate); err != nil {
		return nil, err
	}
	var out *Tenant
	err := v.update(ctx, op, func(tx storage.Tx) error {
		old, err := liveTenant(tx, op, p.TenantID)
		if err != nil {
			return err
		}
		t := *old
		t.Settings = maps.Clone(old.Settings)
		if t.Settings == nil {
			t.Settings = map[string]string{}
		}
		change(&t)
		if t.Settings == nil {
			t.Settings = map[string]string{}
		}
		if _, fe := parseSettings(t.Settings); len(fe) > 0 {
			return fe.err(op)
		}
		now := v.now().UTC()
		t.ModifiedAt = &now
		out = t.public()
		if err := tenantTable.replace(tx, "", old, &t); err != nil {
			return err
		}
		return v.emitTx(ctx, tx, p.TenantID, EventTenantUpdated, map[string]any{"tenant": map[string]any{"id": p.TenantID}})
	})
	v.settings.drop(p.TenantID)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteTenant deletes a tenant by crypto-shredding: its data keys are
// destroyed at once, so nothing it holds can be decrypted any more, its API
// keys stop working, and the sweeper then purges its records. The host may
// delete any tenant but the default one; a management application with
// tenant:delete may delete its own tenant.
func (v *Vault) DeleteTenant(ctx context.Context, tenantID string) error {
	const op = "DeleteTenant"
	p := v.principal(ctx)
	if !p.host {
		if tenantID != p.TenantID {
			return newError(KindForbidden, op, "an application may delete only its own tenant")
		}
		if err := p.require(op, PermTenantDelete); err != nil {
			return err
		}
	}
	if tenantID == v.defaultTenant {
		return newError(KindConflict, op, "the default tenant cannot be deleted")
	}
	err := v.update(ctx, op, func(tx storage.Tx) error {
		old, err := liveTenant(tx, op, tenantID)
		if err != nil {
			return err
		}
		t := *old
		now := v.now().UTC()
		t.DeletedAt = &now
		if err := tenantTable.replace(tx, "", old, &t); err != nil {
			return err
		}
		if err := deleteKeys(tx, tenantPrefix(tenantID)); err != nil {
			return err
		}
		return v.emitTx(ctx, tx, tenantID, EventTenantDeleted, map[string]any{"tenant": map[string]any{"id": tenantID}})
	})
	v.auth.dropTenant(tenantID)
	v.settings.drop(tenantID)
	if err != nil {
		return err
	}
	if err := v.keys.DeleteTenant(ctx, tenantID); err != nil && !errors.Is(err, keys.ErrTenantDeleted) {
		return wrapErr(op, err)
	}
	return nil
}

const purgeBatch = 1000

// purgeDeletedTenants deletes the records of tenants marked deleted, a batch
// at a time, then their outbox entries that are delivered (or older than the
// event retention), and finally the tenant records themselves, once no
// outbox entry is left: a tenant whose events (tenant.deleted among them)
// wait for delivery stays marked deleted until a later sweep.
func (v *Vault) purgeDeletedTenants(ctx context.Context) (int, error) {
	var deleted []string
	err := v.view(ctx, "PurgeTenants", func(tx storage.Tx) error {
		deleted = nil
		return tenantTable.scan(tx, "", "", false, func(t *tenantRecord) error {
			if t.DeletedAt != nil {
				deleted = append(deleted, t.ID)
			}
			return nil
		})
	})
	if err != nil {
		return 0, err
	}
	total := 0
	for _, id := range deleted {
		for {
			n := 0
			err := v.update(ctx, "PurgeTenants", func(tx storage.Tx) error {
				n = 0
				for _, t := range registry {
					k, err := t.purgeTenant(tx, id, purgeBatch-n)
					if err != nil {
						return err
					}
					if n += k; n >= purgeBatch {
						return nil
					}
				}
				for _, bucket := range tenantBuckets() {
					var keys [][]byte
					if err := tx.Scan(bucket, storage.ScanOptions{Prefix: tenantPrefix(id), Limit: purgeBatch - n}, func(k, _ []byte) error {
						keys = append(keys, append([]byte{}, k...))
						return nil
					}); err != nil {
						return err
					}
					for _, k := range keys {
						if err := tx.Delete(bucket, k); err != nil {
							return err
						}
					}
					if n += len(keys); n >= purgeBatch {
						return nil
					}
				}
				k, gone, err := v.purgeTenantOutbox(tx, id, purgeBatch-n)
				if err != nil {
					return err
				}
				if n += k; !gone {
					return nil
				}
				t, err := tenantTable.get(tx, "", id)
				if err != nil {
					return err
				}
				return tenantTable.remove(tx, "", t)
			})
			if err != nil {
				return total, err
			}
			total += n
			if n < purgeBatch {
				break
			}
		}
	}
	return total, nil
}
