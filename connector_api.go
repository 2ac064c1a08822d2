package vault

import (
	"context"
	"errors"
	"maps"
	"slices"

	"github.com/tokenvault/vault/gateway"
	"github.com/tokenvault/vault/storage"
)

// Events of the connector API: merchant.created and merchant.archived carry
// {merchant: {guid, name}}; connector.created, connector.updated and
// connector.archived carry {connector: {guid, name, adapter, method,
// merchantGuid}}. None holds a secret.
const (
	EventMerchantCreated   = "merchant.created"
	EventMerchantArchived  = "merchant.archived"
	EventConnectorCreated  = "connector.created"
	EventConnectorUpdated  = "connector.updated"
	EventConnectorArchived = "connector.archived"
)

func merchantEvent(m *Merchant) map[string]any {
	return map[string]any{"merchant": map[string]any{"guid": m.GUID, "name": m.Name}}
}

func connectorEvent(c *Connector) map[string]any {
	return map[string]any{"connector": map[string]any{"guid": c.GUID, "name": c.Name, "adapter": c.Adapter, "method": c.Method,
		"merchantGuid": c.MerchantGUID}}
}

// CreateMerchant creates a merchant. The caller needs merchant:create.
// Errors: KindInvalid with field paths and reasons ("name"), KindForbidden.
// Raises merchant.created.
func (v *Vault) CreateMerchant(ctx context.Context, req CreateMerchantRequest) (*Merchant, error) {
	const op = "CreateMerchant"
	p := v.principal(ctx)
	if err := p.require(op, PermMerchantCreate); err != nil {
		return nil, err
	}
	r := newReasoned()
	if req.Name == "" {
		r.add("name", ReasonRequired, "is required")
	} else {
		r.checkText("name", req.Name, 1, maxShortText)
	}
	r.checkText("description", req.Description, 0, maxDescription)
	if err := r.err(op); err != nil {
		return nil, err
	}
	rec := &merchantRecord{Merchant{GUID: newGUID(merchantPrefix), Name: req.Name, Description: req.Description, CreatedAt: v.now().UTC()}}
	err := v.update(ctx, op, func(tx storage.Tx) error {
		if _, err := liveTenant(tx, op, p.TenantID); err != nil {
			return err
		}
		if err := merchantTable.insert(tx, p.TenantID, rec); err != nil {
			return err
		}
		return v.emitTx(ctx, tx, p.TenantID, EventMerchantCreated, merchantEvent(&rec.Merchant))
	})
	if err != nil {
		return nil, err
	}
	m := rec.Merchant
	return &m, nil
}

func getMerchant(tx storage.Tx, op, tenant, guid string) (*merchantRecord, error) {
	rec, err := merchantTable.get(tx, tenant, guid)
	if errors.Is(err, errRecordNotFound) {
		return nil, newError(KindNotFound, op, "merchant not found")
	}
	return rec, err
}

// GetMerchant returns a merchant. The caller needs merchant:read. Errors:
// KindNotFound, KindForbidden.
func (v *Vault) GetMerchant(ctx context.Context, guid string) (*Merchant, error) {
	const op = "GetMerchant"
	p := v.principal(ctx)
	if err := p.require(op, PermMerchantRead); err != nil {
		return nil, err
	}
	var rec *merchantRecord
	err := v.view(ctx, op, func(tx storage.Tx) error {
		var err error
		rec, err = getMerchant(tx, op, p.TenantID, guid)
		return err
	})
	if err != nil {
		return nil, err
	}
	m := rec.Merchant
	return &m, nil
}

// ListMerchants returns the tenant's merchants, archived ones included,
// ordered by name. The caller needs merchant:read.
func (v *Vault) ListMerchants(ctx context.Context) ([]*Merchant, error) {
	const op = "ListMerchants"
	p := v.principal(ctx)
	if err := p.require(op, PermMerchantRead); err != nil {
		return nil, err
	}
	var out []*Merchant
	err := v.view(ctx, op, func(tx storage.Tx) error {
		out = []*Merchant{}
		return merchantTable.scan(tx, p.TenantID, "", false, func(r *merchantRecord) error {
			m := r.Merchant
			out = append(out, &m)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b *Merchant) int { return byNameThenID(a.Name, a.GUID, b.Name, b.GUID) })
	return out, nil
}

// ArchiveMerchant archives a merchant: it is kept, listed as archived, and
// gets no new connectors. Archiving twice is not an error. The caller needs
// merchant:delete. Errors: KindNotFound, KindForbidden. Raises
// merchant.archived.
func (v *Vault) ArchiveMerchant(ctx context.Context, guid string) (*Merchant, error) {
	const op = "ArchiveMerchant"
	p := v.principal(ctx)
	if err := p.require(op, PermMerchantDelete); err != nil {
		return nil, err
	}
	var out Merchant
	err := v.update(ctx, op, func(tx storage.Tx) error {
		rec, err := getMerchant(tx, op, p.TenantID, guid)
		if err != nil {
			return err
		}
		out = rec.Merchant
		if rec.Archived {
			return nil
		}
		next := *rec
		next.Archived = true
		out = next.Merchant
		if err := merchantTable.replace(tx, p.TenantID, rec, &next); err != nil {
			return err
		}
		return v.emitTx(ctx, tx, p.TenantID, EventMerchantArchived, merchantEvent(&next.Merchant))
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// liveConnectors returns a func that reports whether a guid names a live
// (not archived) connector of the merchant, read in tx.
func liveConnectors(tx storage.Tx, tenant, merchant string) func(string) bool {
	return func(guid string) bool {
		rec, err := connectorTable.get(tx, tenant, guid)
		return err == nil && rec.MerchantGUID == merchant && !rec.Archived
	}
}

// publicConnector is the connector as returned: generated is the shared
// secret this call generated, if any.
func (r *connectorRecord) public(generated string) *Connector {
	c := r.Connector
	c.SharedSecret = NewSecret(generated)
	c.DisabledTransactionTypes = slices.Clone(c.DisabledTransactionTypes)
	c.Terminals = slices.Clone(c.Terminals)
	c.Settings = maps.Clone(c.Settings)
	c.Config.ExtraData = maps.Clone(c.Config.ExtraData)
	if c.MultiMethodMetaConnector != nil {
		m := *c.MultiMethodMetaConnector
		m.Rules = slices.Clone(m.Rules)
		c.MultiMethodMetaConnector = &m
	}
	if c.RoutingMetaConnector != nil {
		m := *c.RoutingMetaConnector
		c.RoutingMetaConnector = &m
	}
	return &c
}

// CreateConnector creates a connector of a merchant. The caller needs
// connector:create. The shared secret, when the request leaves it empty,
// is generated and returned in this response only.
//
// Errors: KindInvalid with field paths and [FieldReason]s for each rule of
// [ConnectorRequest], KindNotFound for an unknown or archived merchant,
// KindForbidden. Raises connector.created.
func (v *Vault) CreateConnector(ctx context.Context, merchantGUID string, req ConnectorRequest) (*Connector, error) {
	const op = "CreateConnector"
	p := v.principal(ctx)
	if err := p.require(op, PermConnectorCreate); err != nil {
		return nil, err
	}
	tk, _, err := v.tenantContext(ctx, p.TenantID)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	var ch *connectorChange
	err = v.update(ctx, op, func(tx storage.Tx) error {
		m, err := getMerchant(tx, op, p.TenantID, merchantGUID)
		if err != nil {
			return err
		}
		if m.Archived {
			return newError(KindNotFound, op, "the merchant is archived")
		}
		cur := &connectorRecord{Connector: Connector{GUID: newGUID(connectorPref), MerchantGUID: m.GUID, CreatedAt: v.now().UTC()}}
		if ch, err = v.applyConnector(op, true, cur, connectorSecrets{}, req, liveConnectors(tx, p.TenantID, m.GUID)); err != nil {
			return err
		}
		if ch.rec.Secrets, err = sealConnector(tk, p.TenantID, ch.rec.GUID, &ch.secrets); err != nil {
			return err
		}
		if err := connectorTable.insert(tx, p.TenantID, &ch.rec); err != nil {
			return err
		}
		return v.emitTx(ctx, tx, p.TenantID, EventConnectorCreated, connectorEvent(&ch.rec.Connector))
	})
	if err != nil {
		return nil, err
	}
	return ch.rec.public(ch.generated), nil
}

func getConnector(tx storage.Tx, op, tenant, guid string) (*connectorRecord, error) {
	rec, err := connectorTable.get(tx, tenant, guid)
	if errors.Is(err, errRecordNotFound) {
		return nil, newError(KindNotFound, op, "connector not found")
	}
	return rec, err
}

// UpdateConnector changes a connector: the members the request sets,
// keeping the others (see [ConnectorRequest] for settings). The caller needs
// connector:update. Errors: those of [Vault.CreateConnector], and
// KindNotFound. Raises connector.updated.
func (v *Vault) UpdateConnector(ctx context.Context, guid string, req ConnectorRequest) (*Connector, error) {
	const op = "UpdateConnector"
	p := v.principal(ctx)
	if err := p.require(op, PermConnectorUpdate); err != nil {
		return nil, err
	}
	tk, _, err := v.tenantContext(ctx, p.TenantID)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	var old *connectorRecord
	err = v.view(ctx, op, func(tx storage.Tx) error {
		var err error
		old, err = getConnector(tx, op, p.TenantID, guid)
		return err
	})
	if err != nil {
		return nil, err
	}
	secrets, err := v.openConnector(ctx, p.TenantID, tk, old)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	var ch *connectorChange
	err = v.update(ctx, op, func(tx storage.Tx) error {
		cur, err := getConnector(tx, op, p.TenantID, guid)
		if err != nil {
			return err
		}
		if !slices.Equal(cur.Secrets, old.Secrets) {
			return newError(KindConflict, op, "the connector changed while it was updated: try again")
		}
		if ch, err = v.applyConnector(op, false, cur, secrets, req, liveConnectors(tx, p.TenantID, cur.MerchantGUID)); err != nil {
			return err
		}
		if ch.rec.Secrets, err = sealConnector(tk, p.TenantID, guid, &ch.secrets); err != nil {
			return err
		}
		if err := connectorTable.replace(tx, p.TenantID, cur, &ch.rec); err != nil {
			return err
		}
		return v.emitTx(ctx, tx, p.TenantID, EventConnectorUpdated, connectorEvent(&ch.rec.Connector))
	})
	clear(secrets.Vault)
	if err != nil {
		return nil, err
	}
	return ch.rec.public(ch.generated), nil
}

// GetConnector returns a connector, without its secrets. The caller needs
// connector:read. Errors: KindNotFound, KindForbidden.
func (v *Vault) GetConnector(ctx context.Context, guid string) (*Connector, error) {
	const op = "GetConnector"
	p := v.principal(ctx)
	if err := p.require(op, PermConnectorRead); err != nil {
		return nil, err
	}
	var rec *connectorRecord
	err := v.view(ctx, op, func(tx storage.Tx) error {
		var err error
		rec, err = getConnector(tx, op, p.TenantID, guid)
		return err
	})
	if err != nil {
		return nil, err
	}
	return rec.public(""), nil
}

// ListConnectors returns a merchant's connectors, archived ones included,
// ordered by name. The caller needs connector:read. Errors: KindNotFound
// for an unknown merchant, KindForbidden.
func (v *Vault) ListConnectors(ctx context.Context, merchantGUID string) ([]*Connector, error) {
	const op = "ListConnectors"
	p := v.principal(ctx)
	if err := p.require(op, PermConnectorRead); err != nil {
		return nil, err
	}
	var out []*Connector
	err := v.view(ctx, op, func(tx storage.Tx) error {
		out = []*Connector{}
		if _, err := getMerchant(tx, op, p.TenantID, merchantGUID); err != nil {
			return err
		}
		term := connectorByMerchant.terms(&connectorRecord{Connector: Connector{MerchantGUID: merchantGUID}})[0]
		return connectorByMerchant.scan(tx, p.TenantID, term, nil, false, func(id string, _ []byte) error {
			rec, err := connectorTable.get(tx, p.TenantID, id)
			if err != nil {
				return err
			}
			out = append(out, rec.public(""))
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b *Connector) int { return byNameThenID(a.Name, a.GUID, b.Name, b.GUID) })
	return out, nil
}

// ArchiveConnector archives a connector: it is kept, listed as archived,
// and no meta-connector may route to it anew. The caller needs
// connector:delete. Errors: KindNotFound, KindForbidden. Raises
// connector.archived.
func (v *Vault) ArchiveConnector(ctx context.Context, guid string) (*Connector, error) {
	const op = "ArchiveConnector"
	p := v.principal(ctx)
	if err := p.require(op, PermConnectorDelete); err != nil {
		return nil, err
	}
	var out *Connector
	err := v.update(ctx, op, func(tx storage.Tx) error {
		rec, err := getConnector(tx, op, p.TenantID, guid)
		if err != nil {
			return err
		}
		if rec.Archived {
			out = rec.public("")
			return nil
		}
		next := *rec
		next.Archived = true
		out = next.public("")
		if err := connectorTable.replace(tx, p.TenantID, rec, &next); err != nil {
			return err
		}
		return v.emitTx(ctx, tx, p.TenantID, EventConnectorArchived, connectorEvent(&next.Connector))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetConnectorSettings returns the settings of an adapter by its IXOPAY
// name (getConnectorSettings/:adapterId): the baseConfig and vaultConfig of
// its Definition. The caller needs connector:read. Errors: KindNotFound for
// an adapter that is not registered.
func (v *Vault) GetConnectorSettings(ctx context.Context, adapterID string) (*ConnectorSettings, error) {
	const op = "GetConnectorSettings"
	p := v.principal(ctx)
	if err := p.require(op, PermConnectorRead); err != nil {
		return nil, err
	}
	if adapterID == MetaConnector {
		return &ConnectorSettings{BaseConfig: []gateway.ConfigEntry{}, VaultConfig: []gateway.ConfigEntry{}}, nil
	}
	a := v.gateways.adapterByName(adapterID)
	if a == nil {
		return nil, newError(KindNotFound, op, "no adapter of that id is registered")
	}
	d := a.Definition()
	out := &ConnectorSettings{BaseConfig: slices.Clone(d.BaseConfig), VaultConfig: slices.Clone(d.VaultConfig)}
	if out.BaseConfig == nil {
		out.BaseConfig = []gateway.ConfigEntry{}
	}
	if out.VaultConfig == nil {
		out.VaultConfig = []gateway.ConfigEntry{}
	}
	return out, nil
}
