package vault

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tokenvault/vault/internal/keyenc"
	"github.com/tokenvault/vault/storage"
)

// Token transactions. A transaction stages token creates, updates and
// deletes (and tokenize) made with its id in the context ([WithTransaction];
// the BT-TRANSACTION-ID header over HTTP). Staged changes are durable records
// in the store: they survive a restart, and a transaction can be committed by
// any process sharing the store. Reads made with the transaction in the
// context (get, list, search, detokenize) see its staged changes; nothing is
// visible to anyone else until commit, which applies every change, index and
// deduplication included, in one store transaction.
//
// A token changed in an open transaction is locked: another transaction, or
// a change outside any transaction, gets KindConflict until the transaction
// ends. Reads are never blocked (read committed). A transaction expires after
// its TTL (default one hour, [WithTransactionTTL]): it is rolled back by the
// sweeper, or by whichever operation meets its lock first. Commit or
// rollback of an unknown id is KindNotFound; of a committed, rolled-back or
// expired one, KindConflict. Only the application that began a transaction
// (or the host) may use, commit or roll it back.
//
// Deduplication inside a transaction matches committed tokens and tokens
// created earlier in the same transaction, never another open transaction's.

const (
	// DefaultTransactionTTL is how long a transaction stays open.
	DefaultTransactionTTL = time.Hour
	// finishedTxnRetention is how long a finished transaction is remembered,
	// so that committing it again is a conflict rather than not found.
	finishedTxnRetention = 24 * time.Hour

	txnOpen       = "open"
	txnCommitted  = "committed"
	txnRolledBack = "rolled_back"
	txnExpired    = "expired"

	lockBucket = "tokens.locks"
)

// WithTransactionTTL sets how long a token transaction stays open.
func WithTransactionTTL(d time.Duration) Option { return func(c *config) { c.txnTTL = d } }

// Transaction is an open token transaction.
type Transaction struct {
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by,omitempty"`
	ExpiresAt time.Time `json:"expires_at"`
}

type txnKey struct{}

// WithTransaction returns a context whose token creates, updates, deletes and
// tokenizes are staged in the transaction id, and whose token reads see them.
func WithTransaction(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, txnKey{}, id)
}

// TransactionFrom returns the transaction id of ctx, or "".
func TransactionFrom(ctx context.Context) string {
	id, _ := ctx.Value(txnKey{}).(string)
	return id
}

type txnRecord struct {
	ID         string     `json:"id"`
	CreatedBy  string     `json:"created_by,omitempty"`
	Session    string     `json:"session,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	State      string     `json:"state"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	Ops        int        `json:"ops"` // staged changes so far; orders them
}

// stagedToken is one token's staged state in a transaction: its new record,
// or a deletion.
type stagedToken struct {
	ID      string       `json:"id"` // txn id "/" token id
	Seq     int          `json:"seq"`
	Token   string       `json:"token"`
	Deleted bool         `json:"deleted,omitempty"`
	Created bool         `json:"created,omitempty"` // the token did not exist before the transaction
	Record  *tokenRecord `json:"record,omitempty"`
}

var (
	txnTable = register(&table[txnRecord]{
		bucket:  "txns",
		schema:  1,
		id:      func(r *txnRecord) string { return r.ID },
		indexes: []*index[txnRecord]{txnByDeadline},
	})
	// txnByDeadline orders transactions by when the sweeper must act: the
	// expiry of an open one, the end of the memory of a finished one.
	txnByDeadline = &index[txnRecord]{bucket: "txns.deadline", global: true, terms: func(r *txnRecord) [][]byte {
		return [][]byte{keyenc.AppendTime(nil, r.deadline())}
	}}
	stagedTable = register(&table[stagedToken]{
		bucket:    "txns.staged",
		kind:      tokenKind,
		schema:    stagedSchema,
		id:        func(r *stagedToken) string { return r.ID },
		marshal:   marshalStaged,
		unmarshal: unmarshalStaged,
		upgrade:   upgradeStaged,
		sealed: func(r *stagedToken) []sealedField {
			if r.Record == nil {
				return nil
			}
			return []sealedField{{sealFieldData, &r.Record.Data, r.Token}, {sealFieldCVC, &r.Record.CVC, r.Token}}
		},
	})
)

func (r *txnRecord) deadline() time.Time {
	if r.FinishedAt != nil {
		return r.FinishedAt.Add(finishedTxnRetention)
	}
	return r.ExpiresAt
}

func stagedID(txn, token string) string { return txn + "/" + token }

// BeginTransaction opens a token transaction for the caller. Any
// application may begin one (no permission is needed); its operations still
// need their own permissions.
func (v *Vault) BeginTransaction(ctx context.Context) (*Transaction, error) {
	const op = "BeginTransaction"
	p := v.principal(ctx)
	if _, _, err := v.tenantContext(ctx, p.TenantID); err != nil {
		return nil, wrapErr(op, err)
	}
	now := v.now().UTC()
	rec := &txnRecord{ID: uuid.NewString(), CreatedBy: p.ApplicationID, Session: p.SessionID, CreatedAt: now,
		ExpiresAt: now.Add(v.txnTTL), State: txnOpen}
	if err := v.update(ctx, op, func(tx storage.Tx) error { return txnTable.insert(tx, p.TenantID, rec) }); err != nil {
		return nil, err
	}
	return &Transaction{ID: rec.ID, CreatedAt: rec.CreatedAt, CreatedBy: rec.CreatedBy, ExpiresAt: rec.ExpiresAt}, nil
}

// openTxn returns the caller's open transaction, or an error: not found for
// an unknown id, conflict for a finished or expired one, forbidden for
// another application's.
func (v *Vault) openTxn(tx storage.Tx, op string, p Principal, id string) (*txnRecord, error) {
	t, err := txnTable.get(tx, p.TenantID, id)
	if errors.Is(err, errRecordNotFound) {
		return nil, newError(KindNotFound, op, "transaction not found")
	}
	if err != nil {
		return nil, err
	}
	if !p.host && (t.CreatedBy != p.ApplicationID || t.Session != p.SessionID) {
		return nil, newError(KindForbidden, op, "the transaction belongs to another application")
	}
	if t.State == txnOpen && !v.now().Before(t.ExpiresAt) {
		// Expired: as good as rolled back from now on (its staged changes
		// are reachable only through here); the sweeper, or the next write
		// that meets one of its locks, clears it away.
		return nil, newError(KindConflict, op, "the transaction has expired")
	}
	if t.State != txnOpen {
		return nil, newError(KindConflict, op, "the transaction is %s", strings.ReplaceAll(t.State, "_", " "))
	}
	return t, nil
}

// CommitTransaction applies every staged change of the transaction
// atomically and raises their events (token.created, token.updated,
// token.deleted in the order the changes were staged, then
// transaction.committed) in the same store transaction. Errors:
// KindNotFound, KindConflict (finished or expired), KindForbidden (another
// application's).
func (v *Vault) CommitTransaction(ctx context.Context, id string) error {
	const op = "CommitTransaction"
	p := v.principal(ctx)
	return v.update(ctx, op, func(tx storage.Tx) error {
		t, err := v.openTxn(tx, op, p, id)
		if err != nil {
			return err
		}
		staged, err := stagedOf(tx, p.TenantID, t.ID)
		if err != nil {
			return err
		}
		slices.SortFunc(staged, func(a, b stagedToken) int { return a.Seq - b.Seq })
		for _, s := range staged {
			old, err := tokenTable.get(tx, p.TenantID, s.Token)
			if err != nil && !errors.Is(err, errRecordNotFound) {
				return err
			}
			switch {
			case s.Deleted && old != nil:
				err = tokenTable.remove(tx, p.TenantID, old)
			case s.Deleted:
			case s.Created && old != nil:
				return newError(KindConflict, op, "a token the transaction creates exists already")
			case !s.Created && old == nil:
				return newError(KindConflict, op, "a token the transaction changes no longer exists")
			default:
				err = tokenTable.write(tx, p.TenantID, old, s.Record) // old was read above
			}
			if err != nil {
				return err
			}
			if err := v.emitStaged(ctx, tx, p.TenantID, &s); err != nil {
				return err
			}
		}
		if err := v.finishTxn(tx, p.TenantID, t, txnCommitted, staged); err != nil {
			return err
		}
		return v.emitTx(ctx, tx, p.TenantID, EventTransactionCommitted, txnEventData(t.ID))
	})
}

// emitStaged raises the event of a staged change that a commit applied.
func (v *Vault) emitStaged(ctx context.Context, tx storage.Tx, tenant string, s *stagedToken) error {
	switch {
	case s.Deleted && s.Created: // created and deleted in the transaction: nothing happened
		return nil
	case s.Deleted:
		typ := ""
		if s.Record != nil {
			typ = s.Record.Type
		}
		return v.emitTokenGoneTx(ctx, tx, tenant, EventTokenDeleted, s.Token, typ)
	case s.Created:
		return v.emitTokenTx(ctx, tx, tenant, EventTokenCreated, s.Record)
	default:
		return v.emitTokenTx(ctx, tx, tenant, EventTokenUpdated, s.Record)
	}
}

func txnEventData(id string) map[string]any {
	return map[string]any{"transaction": map[string]any{"id": id}}
}

// RollbackTransaction discards every staged change of the transaction and
// raises transaction.rolled_back. Errors: KindNotFound, KindConflict
// (finished or expired), KindForbidden.
func (v *Vault) RollbackTransaction(ctx context.Context, id string) error {
	const op = "RollbackTransaction"
	p := v.principal(ctx)
	return v.update(ctx, op, func(tx storage.Tx) error {
		t, err := v.openTxn(tx, op, p, id)
		if err != nil {
			return err
		}
		if err := v.finishTxn(tx, p.TenantID, t, txnRolledBack, nil); err != nil {
			return err
		}
		return v.emitTx(ctx, tx, p.TenantID, EventTransactionRolledBack, txnEventData(t.ID))
	})
}

// finishTxn ends a transaction: its staged changes and locks go, and the
// record remembers how it ended. staged, when not nil, is every staged
// change of the transaction, already read in tx.
func (v *Vault) finishTxn(tx storage.Tx, tenant string, t *txnRecord, state string, staged []stagedToken) error {
	if staged == nil {
		var err error
		if staged, err = stagedOf(tx, tenant, t.ID); err != nil {
			return err
		}
	}
	for i := range staged {
		if err := stagedTable.remove(tx, tenant, &staged[i]); err != nil {
			return err
		}
		if err := tx.Delete(lockBucket, lockKey(tenant, staged[i].Token)); err != nil {
			return err
		}
	}
	done := *t
	now := v.now().UTC()
	done.State, done.FinishedAt = state, &now
	if err := txnTable.replace(tx, tenant, t, &done); err != nil {
		return err
	}
	*t = done
	return nil
}

// stagedOf returns the staged changes of a transaction.
func stagedOf(tx storage.Tx, tenant, txn string) ([]stagedToken, error) {
	var out []stagedToken
	prefix := append(tenantPrefix(tenant), escapedPrefix(txn+"/")...)
	err := tx.Scan(stagedTable.bucket, storage.ScanOptions{Prefix: prefix}, func(_, val []byte) error {
		s, err := stagedTable.decode(val)
		if err != nil {
			return err
		}
		out = append(out, *s)
		return nil
	})
	return out, err
}

func lockKey(tenant, token string) []byte { return keyenc.AppendString(tenantPrefix(tenant), token) }

// tokenView is where token operations read and write: the committed tokens,
// or a transaction's staged changes over them. Every write outside a
// transaction checks the token's lock.
type tokenView struct {
	v      *Vault
	tx     storage.Tx
	op     string
	tenant string
	txn    *txnRecord // nil outside a transaction
}

// tokenView returns the view of ctx's transaction, if any, inside tx.
func (v *Vault) tokenView(tx storage.Tx, op string, p Principal, txnID string) (*tokenView, error) {
	w := &tokenView{v: v, tx: tx, op: op, tenant: p.TenantID}
	if txnID == "" {
		return w, nil
	}
	t, err := v.openTxn(tx, op, p, txnID)
	if err != nil {
		return nil, err
	}
	w.txn = t
	return w, nil
}

// staged returns this transaction's staged state of a token, or nil.
func (w *tokenView) staged(id string) (*stagedToken, error) {
	if w.txn == nil {
		return nil, nil
	}
	s, err := stagedTable.get(w.tx, w.tenant, stagedID(w.txn.ID, id))
	if errors.Is(err, errRecordNotFound) {
		return nil, nil
	}
	return s, err
}

// get reads a token (staged first), or errRecordNotFound.
func (w *tokenView) get(id string) (*tokenRecord, error) {
	s, err := w.staged(id)
	if err != nil {
		return nil, err
	}
	if s != nil {
		if s.Deleted {
			return nil, errRecordNotFound
		}
		return s.Record, nil
	}
	return tokenTable.get(w.tx, w.tenant, id)
}

// live reads a token that exists and has not expired.
func (w *tokenView) live(id string) (*tokenRecord, error) {
	if id == "" {
		return nil, newError(KindNotFound, "", "token not found")
	}
	rec, err := w.get(id)
	if errors.Is(err, errRecordNotFound) || err == nil && rec.expired(w.v.now()) {
		return nil, newError(KindNotFound, "", "token not found")
	}
	return rec, err
}

// taken reports whether an id is in use: by a token this view sees, or by a
// token another open transaction is creating.
func (w *tokenView) taken(id string) (bool, error) {
	if _, err := w.get(id); err == nil {
		return true, nil
	} else if !errors.Is(err, errRecordNotFound) {
		return false, err
	}
	holder, err := w.lockHolder(id)
	if err != nil {
		return false, err
	}
	return holder != "" && (w.txn == nil || holder != w.txn.ID), nil
}

// lockHolder returns the open transaction holding a token's lock, or "". A
// lock of an expired transaction is released by rolling that one back.
func (w *tokenView) lockHolder(id string) (string, error) {
	b, err := w.tx.Get(lockBucket, lockKey(w.tenant, id))
	if errors.Is(err, storage.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	holder := string(b)
	t, err := txnTable.get(w.tx, w.tenant, holder)
	if errors.Is(err, errRecordNotFound) {
		return "", w.tx.Delete(lockBucket, lockKey(w.tenant, id))
	}
	if err != nil {
		return "", err
	}
	if t.State != txnOpen {
		return "", w.tx.Delete(lockBucket, lockKey(w.tenant, id))
	}
	if !w.v.now().Before(t.ExpiresAt) {
		return "", w.v.finishTxn(w.tx, w.tenant, t, txnExpired, nil)
	}
	return holder, nil
}

// claim makes sure no other transaction holds the token, and takes its lock
// for this view's transaction.
func (w *tokenView) claim(id string) error {
	holder, err := w.lockHolder(id)
	if err != nil {
		return err
	}
	if holder != "" && (w.txn == nil || holder != w.txn.ID) {
		return newError(KindConflict, w.op, "the token is being changed in another transaction")
	}
	if w.txn != nil && holder == "" {
		return w.tx.Put(lockBucket, lockKey(w.tenant, id), []byte(w.txn.ID))
	}
	return nil
}

// stage records a token's new state in the transaction.
func (w *tokenView) stage(id string, rec *tokenRecord, deleted bool) error {
	old, err := w.staged(id)
	if err != nil {
		return err
	}
	t := *w.txn
	t.Ops++
	s := &stagedToken{ID: stagedID(w.txn.ID, id), Seq: t.Ops, Token: id, Record: rec, Deleted: deleted}
	if old != nil {
		s.Created = old.Created
	} else {
		exists, err := tokenTable.exists(w.tx, w.tenant, id)
		if err != nil {
			return err
		}
		s.Created = !exists
	}
	if deleted {
		s.Record = nil
		if s.Created {
			// Created and deleted in the transaction: nothing to apply.
			if old != nil {
				if err := stagedTable.remove(w.tx, w.tenant, old); err != nil {
					return err
				}
			}
			if err := w.tx.Delete(lockBucket, lockKey(w.tenant, id)); err != nil {
				return err
			}
			return w.saveTxn(&t)
		}
	}
	if err := stagedTable.replace(w.tx, w.tenant, old, s); err != nil {
		return err
	}
	return w.saveTxn(&t)
}

func (w *tokenView) saveTxn(t *txnRecord) error {
	if err := txnTable.replace(w.tx, w.tenant, w.txn, t); err != nil {
		return err
	}
	w.txn = t
	return nil
}

// insert stores a new token.
func (w *tokenView) insert(rec *tokenRecord) error {
	if err := w.claim(rec.ID); err != nil {
		return err
	}
	if w.txn == nil {
		if err := tokenTable.insert(w.tx, w.tenant, rec); err != nil {
			if errors.Is(err, errRecordExists) {
				return newError(KindConflict, "", "a token with this id already exists")
			}
			return err
		}
		return nil
	}
	if taken, err := w.taken(rec.ID); err != nil {
		return err
	} else if taken {
		return newError(KindConflict, "", "a token with this id already exists")
	}
	return w.stage(rec.ID, rec, false)
}

// replace stores a token's new state over old.
func (w *tokenView) replace(old, rec *tokenRecord) error {
	if err := w.claim(rec.ID); err != nil {
		return err
	}
	if w.txn == nil {
		return tokenTable.replace(w.tx, w.tenant, old, rec)
	}
	return w.stage(rec.ID, rec, false)
}

// remove deletes a token.
func (w *tokenView) remove(rec *tokenRecord) error {
	if err := w.claim(rec.ID); err != nil {
		return err
	}
	if w.txn == nil {
		return tokenTable.remove(w.tx, w.tenant, rec)
	}
	return w.stage(rec.ID, nil, true)
}

// findDuplicate returns the live token this view sees with the same
// fingerprint (which includes the type) and containers as rec, or nil: a
// token created earlier in the transaction, else a committed one that the
// transaction has not changed away.
func (w *tokenView) findDuplicate(rec *tokenRecord, now time.Time) (*tokenRecord, error) {
	same := func(other *tokenRecord) bool {
		return other != nil && other.ID != rec.ID && !other.expired(now) && other.Fingerprint == rec.Fingerprint &&
			other.Type == rec.Type && slices.Equal(other.Containers, rec.Containers)
	}
	if w.txn != nil {
		staged, err := stagedOf(w.tx, w.tenant, w.txn.ID)
		if err != nil {
			return nil, err
		}
		slices.SortFunc(staged, func(a, b stagedToken) int { return a.Seq - b.Seq })
		for _, s := range staged {
			if !s.Deleted && same(s.Record) {
				return s.Record, nil
			}
		}
	}
	var found *tokenRecord
	err := tokenByFingerprint.scan(w.tx, w.tenant, keyenc.AppendString(nil, rec.Fingerprint), nil, false, func(id string, _ []byte) error {
		other, err := w.get(id) // the transaction's view of it
		if errors.Is(err, errRecordNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if same(other) {
			found = other
			return storage.StopScan
		}
		return nil
	})
	if err == storage.StopScan {
		err = nil
	}
	return found, err
}

// sweepTransactions rolls back expired transactions and forgets finished
// ones whose retention passed.
func (v *Vault) sweepTransactions(ctx context.Context) (int, error) {
	return sweepDue(ctx, v, txnTable, txnByDeadline, func(tx storage.Tx, tenant string, t *txnRecord, now time.Time) (bool, error) {
		switch {
		case now.Before(t.deadline()):
			return false, nil
		case t.State == txnOpen:
			return true, v.finishTxn(tx, tenant, t, txnExpired, nil)
		}
		return true, txnTable.remove(tx, tenant, t)
	}, nil)
}
