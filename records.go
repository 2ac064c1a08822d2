package vault

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tokenvault/vault/internal/keyenc"
	"github.com/tokenvault/vault/storage"
)

// This file is the one place that stores typed records and keeps their
// secondary indexes. A resource describes its table once (bucket, schema
// version, indexes); every write goes through insert, replace or remove inside
// the caller's storage transaction, so a record and its index entries always
// change together, and no resource maintains an index by hand.
//
// Layout, for a record of tenant T with id I:
//
//	<table>            key: str(T) str(I)              value: envelope
//	<table>.<index>    key: str(T) term str(I) len     value: empty   (non-unique)
//	<table>.<index>    key: str(T) term                value: I       (unique)
//
// str is keyenc's escaped, terminated string encoding; a term is a keyenc
// encoding produced by the index, so "all entries with term t" is a prefix
// scan. The envelope is one format byte, one schema byte and the record's
// JSON; sealed fields inside are already ciphertext.

const envelopeV1 = 1

var (
	// errRecordExists is returned by insert when the id is taken.
	errRecordExists = errors.New("record exists")
	// errRecordNotFound is returned by get when there is no record.
	errRecordNotFound = errors.New("record not found")
)

// uniqueTakenError is returned when a unique index term belongs to another
// record.
type uniqueTakenError struct{ index, owner string }

func (e *uniqueTakenError) Error() string { return "unique index " + e.index + " is taken" }

// table describes how records of type R are stored.
type table[R any] struct {
	bucket  string
	kind    string // the AD kind of the record's sealed fields
	schema  uint8
	id      func(*R) string
	indexes []*index[R]
	// upgrade, if set, rewrites the JSON of an older schema version into the
	// current one before decoding.
	upgrade func(schema uint8, payload []byte) ([]byte, error)
	// sealed lists the record's sealed fields, for key rotation.
	sealed func(r *R) []sealedField
	// marshal and unmarshal, when set, replace JSON as the payload encoding
	// (hot tables use a binary one).
	marshal   func(r *R) []byte
	unmarshal func(b []byte) (*R, error)
	// Tables whose records are stored under no tenant (the tenant id ""):
	// tenantOf names the tenant a record belongs to (API keys, found by
	// hash before their tenant is known); shared marks records of no tenant
	// at all (the tenants).
	tenantOf func(*R) string
	shared   bool
}

// The table registry. Every table registers once, where it is declared
// (var xTable = register(&table[...]{...})); Check, key rotation and tenant
// deletion walk the registry, never a hand-kept list, so a new table is
// checked, re-sealed and purged without anyone remembering to.
var registry []registeredTable

// registeredTable is what the registry needs of a table.
type registeredTable interface {
	checker
	resealer
	hasSealed() bool
	localIndexBuckets() []string
	// purgeTenant removes up to limit records of tenant, with their index
	// entries (global ones too), and returns how many it removed.
	purgeTenant(tx storage.Tx, tenant string, limit int) (int, error)
}

// register adds t to the registry and returns it.
func register[R any](t *table[R]) *table[R] {
	registry = append(registry, t)
	return t
}

// tenantBuckets are the buckets tenant deletion clears by the tenant's
// prefix once the registered tables have removed their records (with their
// index entries): buckets that are not tables (the token locks), and the
// tables' tenant-scoped indexes, for any entry a record no longer names.
// The outbox is not among them: its entries wait for delivery first
// (purgeTenantOutbox).
func tenantBuckets() []string {
	out := []string{lockBucket}
	for _, t := range registry {
		out = append(out, t.localIndexBuckets()...)
	}
	return out
}

func (t *table[R]) hasSealed() bool { return t.sealed != nil }

func (t *table[R]) purgeTenant(tx storage.Tx, tenant string, limit int) (int, error) {
	if !t.shared && t.tenantOf == nil {
		// Stored under the tenant's own prefix.
		var recs []*R
		var undecodable [][]byte // removed as they are: no index entry can be known
		err := tx.Scan(t.bucket, storage.ScanOptions{Prefix: tenantPrefix(tenant), Limit: limit}, func(k, v []byte) error {
			if r, err := t.decode(v); err == nil {
				recs = append(recs, r)
			} else {
				undecodable = append(undecodable, bytes.Clone(k))
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
		for _, r := range recs {
			if err := t.remove(tx, tenant, r); err != nil {
				return 0, err
			}
		}
		for _, k := range undecodable {
			if err := tx.Delete(t.bucket, k); err != nil {
				return 0, err
			}
		}
		return len(recs) + len(undecodable), nil
	}
	if t.tenantOf == nil {
		return 0, nil // records of no tenant (the tenants themselves)
	}
	// Stored under no tenant, each record naming its own.
	var recs []*R
	err := tx.Scan(t.bucket, storage.ScanOptions{Prefix: tenantPrefix("")}, func(_, v []byte) error {
		r, err := t.decode(v)
		if err != nil {
			return err
		}
		if t.tenantOf(r) == tenant {
			recs = append(recs, r)
		}
		if len(recs) >= limit {
			return storage.StopScan
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, r := range recs {
		if err := t.remove(tx, "", r); err != nil {
			return 0, err
		}
	}
	return len(recs), nil
}

// index is a secondary index of a table. terms returns the index terms of a
// record, each a keyenc encoding; a record may have none or several.
//
// A global index has no tenant prefix: its entries of every tenant sort
// together by term, for background work that walks all tenants (expiry).
// Its entry keys hold the tenant after the term, so that equal ids of
// different tenants stay apart; globalEntry decodes them.
type index[R any] struct {
	bucket string
	unique bool
	global bool
	terms  func(*R) [][]byte
}

// localIndexBuckets returns the buckets of the table's tenant-scoped indexes.
func (t *table[R]) localIndexBuckets() []string {
	var out []string
	for _, ix := range t.indexes {
		if !ix.global {
			out = append(out, ix.bucket)
		}
	}
	return out
}

// maxIDBytes is the longest id a record can have. Every id the vault makes
// or accepts is shorter: a UUID, or a custom token id of at most 400
// characters (1,600 bytes of UTF-8). A longer id names nothing.
const maxIDBytes = 1600

// Any id of up to maxIDBytes fits a storage key, even escaped byte for byte
// (keyenc doubles a zero byte) after a tenant id and, for a staged change,
// a transaction id, both UUIDs: this fails to compile if it does not.
const _ = uint(storage.MaxKeyLen - 2*(36+2) - 2*(36+1+maxIDBytes+2))

// A metadata index key, a tenant id, a key and a value escaped byte for
// byte and a token id, fits a storage key too.
const _ = uint(storage.MaxKeyLen - (36 + 2) - 2*(maxMetadataEntry+2) - (maxIDBytes + 2))

// storableID is the one check of the ids callers give, made where they
// become storage keys (get, raw and exists): an id over maxIDBytes is a
// missing record without asking the store, which would refuse its key
// (storage.MaxKeyLen) as an invalid argument. So every method that takes an
// id answers an oversized one exactly as an unknown one: not found for a
// read, update, delete or invocation, and the field error of an unknown
// reference for an id named in a request body. Creates that take a
// client-chosen id (tokens) refuse one this long before it is stored.
func storableID(id string) bool { return len(id) <= maxIDBytes }

func tenantPrefix(tenant string) []byte { return keyenc.AppendString(nil, tenant) }

func (t *table[R]) key(tenant, id string) []byte {
	return keyenc.AppendString(keyenc.AppendString(make([]byte, 0, len(tenant)+len(id)+8), tenant), id)
}

func (t *table[R]) encode(r *R) ([]byte, error) {
	if t.marshal != nil {
		return t.marshal(r), nil
	}
	payload, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", t.bucket, err)
	}
	out := make([]byte, 2, 2+len(payload))
	out[0], out[1] = envelopeV1, t.schema
	return append(out, payload...), nil
}

func (t *table[R]) decode(b []byte) (*R, error) {
	if len(b) < 2 || b[0] != envelopeV1 {
		return nil, fmt.Errorf("decode %s: unknown record envelope", t.bucket)
	}
	payload := b[2:]
	if schema := b[1]; schema != t.schema {
		if t.upgrade == nil || schema > t.schema {
			return nil, fmt.Errorf("decode %s: unsupported schema version %d", t.bucket, schema)
		}
		var err error
		if payload, err = t.upgrade(schema, payload); err != nil {
			return nil, fmt.Errorf("decode %s: upgrade from schema %d: %w", t.bucket, schema, err)
		}
	}
	if t.unmarshal != nil {
		r, err := t.unmarshal(payload)
		if err != nil {
			return nil, fmt.Errorf("decode %s: %w", t.bucket, err)
		}
		return r, nil
	}
	r := new(R)
	if err := json.Unmarshal(payload, r); err != nil {
		return nil, fmt.Errorf("decode %s: %w", t.bucket, err)
	}
	return r, nil
}

// get returns the record, or errRecordNotFound.
func (t *table[R]) get(tx storage.Tx, tenant, id string) (*R, error) {
	b, err := t.raw(tx, tenant, id)
	if err != nil {
		return nil, err
	}
	return t.decode(b)
}

// raw returns the stored bytes of a record (valid until tx ends), or
// errRecordNotFound, for a table whose hot path decodes them itself.
func (t *table[R]) raw(tx storage.Tx, tenant, id string) ([]byte, error) {
	if !storableID(id) {
		return nil, errRecordNotFound
	}
	b, err := tx.Get(t.bucket, t.key(tenant, id))
	if errors.Is(err, storage.ErrNotFound) {
		return nil, errRecordNotFound
	}
	return b, err
}

// exists reports whether a record with id exists.
func (t *table[R]) exists(tx storage.Tx, tenant, id string) (bool, error) {
	if !storableID(id) {
		return false, nil
	}
	_, err := tx.Get(t.bucket, t.key(tenant, id))
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// insert stores a new record and its index entries; errRecordExists if the id
// is taken, *uniqueTakenError if a unique term is.
func (t *table[R]) insert(tx storage.Tx, tenant string, r *R) error {
	b, err := t.encode(r)
	if err != nil {
		return err
	}
	return t.insertEncoded(tx, tenant, r, b)
}

// replace overwrites old (the stored version, as read in this transaction)
// with r, updating index entries that changed. old may be nil when the caller
// has not read it; replace then reads it.
func (t *table[R]) replace(tx storage.Tx, tenant string, old, r *R) error {
	if old == nil {
		var err error
		if old, err = t.get(tx, tenant, t.id(r)); err != nil && !errors.Is(err, errRecordNotFound) {
			return err
		}
	}
	return t.write(tx, tenant, old, r)
}

// remove deletes r and its index entries.
func (t *table[R]) remove(tx storage.Tx, tenant string, r *R) error {
	id := t.id(r)
	for _, ix := range t.indexes {
		for _, term := range ix.terms(r) {
			if err := tx.Delete(ix.bucket, ix.entryKey(tenant, term, id)); err != nil {
				return err
			}
		}
	}
	return tx.Delete(t.bucket, t.key(tenant, id))
}

func (t *table[R]) write(tx storage.Tx, tenant string, old, r *R) error {
	b, err := t.encode(r)
	if err != nil {
		return err
	}
	return t.writeEncoded(tx, tenant, old, r, b)
}

// insertEncoded is insert of a record already encoded (b is encode(r)),
// for a hot path that encodes outside the transaction.
func (t *table[R]) insertEncoded(tx storage.Tx, tenant string, r *R, b []byte) error {
	if ok, err := t.exists(tx, tenant, t.id(r)); err != nil {
		return err
	} else if ok {
		return errRecordExists
	}
	return t.writeEncoded(tx, tenant, nil, r, b)
}

// writeEncoded is write of a record already encoded: b is encode(r).
func (t *table[R]) writeEncoded(tx storage.Tx, tenant string, old, r *R, b []byte) error {
	id := t.id(r)
	for _, ix := range t.indexes {
		var oldTerms [][]byte
		if old != nil {
			oldTerms = ix.terms(old)
		}
		newTerms := ix.terms(r)
		for _, term := range oldTerms {
			if !containsTerm(newTerms, term) {
				if err := tx.Delete(ix.bucket, ix.entryKey(tenant, term, id)); err != nil {
					return err
				}
			}
		}
		for _, term := range newTerms {
			if old != nil && containsTerm(oldTerms, term) {
				continue
			}
			if ix.unique {
				owner, err := ix.lookup(tx, tenant, term)
				if err == nil && owner != id {
					return &uniqueTakenError{index: ix.bucket, owner: owner}
				}
				if err != nil && !errors.Is(err, errRecordNotFound) {
					return err
				}
				if err := tx.Put(ix.bucket, ix.entryKey(tenant, term, id), []byte(id)); err != nil {
					return err
				}
				continue
			}
			if err := tx.Put(ix.bucket, ix.entryKey(tenant, term, id), nil); err != nil {
				return err
			}
		}
	}
	return tx.Put(t.bucket, t.key(tenant, id), b)
}

func containsTerm(terms [][]byte, term []byte) bool {
	for _, t := range terms {
		if string(t) == string(term) {
			return true
		}
	}
	return false
}

func (ix *index[R]) prefix(tenant string) []byte {
	if ix.global {
		return nil
	}
	return tenantPrefix(tenant)
}

func (ix *index[R]) entryKey(tenant string, term []byte, id string) []byte {
	k := append(ix.prefix(tenant), term...)
	if ix.global {
		k = keyenc.AppendString(k, tenant)
	}
	if ix.unique {
		return k
	}
	return appendIDSuffix(k, id)
}

// lookup returns the id owning a unique term, or errRecordNotFound.
func (ix *index[R]) lookup(tx storage.Tx, tenant string, term []byte) (string, error) {
	v, err := tx.Get(ix.bucket, ix.entryKey(tenant, term, ""))
	if errors.Is(err, storage.ErrNotFound) {
		return "", errRecordNotFound
	}
	if err != nil {
		return "", err
	}
	return string(v), nil
}

// any reports whether the index has an entry for the first term of r
// (records that share it: the reactors made from a formula).
func (ix *index[R]) any(tx storage.Tx, tenant string, r *R) (bool, error) {
	terms := ix.terms(r)
	if len(terms) == 0 {
		return false, nil
	}
	found := false
	err := ix.scan(tx, tenant, terms[0], nil, false, func(string, []byte) error {
		found = true
		return storage.StopScan
	})
	if err != nil && !errors.Is(err, storage.StopScan) {
		return false, err
	}
	return found, nil
}

// scanIndex calls fn with the id and the full entry key of each entry of a
// non-unique index whose term starts with termPrefix, in key order (reverse
// if asked), starting after the entry key after (exclusive) when it is set.
// fn returns storage.StopScan to stop.
func (ix *index[R]) scan(tx storage.Tx, tenant string, termPrefix, after []byte, reverse bool, fn func(id string, key []byte) error) error {
	opts := storage.ScanOptions{Prefix: append(ix.prefix(tenant), termPrefix...), Reverse: reverse}
	if after != nil {
		if reverse {
			opts.End = after
		} else {
			opts.Start = append(after[:len(after):len(after)], 0)
		}
	}
	return tx.Scan(ix.bucket, opts, func(k, _ []byte) error {
		id, err := lastStringPart(k)
		if err != nil {
			return fmt.Errorf("index %s: %w", ix.bucket, err)
		}
		return fn(id, k)
	})
}

// scan calls fn with each record of the tenant in id order, starting after the
// id after (exclusive) when it is not empty.
func (t *table[R]) scan(tx storage.Tx, tenant, after string, reverse bool, fn func(r *R) error) error {
	opts := storage.ScanOptions{Prefix: tenantPrefix(tenant), Reverse: reverse}
	if after != "" {
		if reverse {
			opts.End = t.key(tenant, after)
		} else {
			opts.Start = append(t.key(tenant, after), 0)
		}
	}
	return tx.Scan(t.bucket, opts, func(_, v []byte) error {
		r, err := t.decode(v)
		if err != nil {
			return err
		}
		return fn(r)
	})
}

// idSuffix ends a non-unique index entry key: the id, string-encoded, then
// the length of that encoding in two bytes, so the id can be read back from
// the end of the key whatever bytes the term holds.
func appendIDSuffix(k []byte, id string) []byte {
	n := len(k)
	k = keyenc.AppendString(k, id)
	return binary.BigEndian.AppendUint16(k, uint16(len(k)-n))
}

// lastStringPart decodes the id that ends a non-unique index entry key.
func lastStringPart(k []byte) (string, error) {
	if len(k) < 2 {
		return "", keyenc.ErrMalformed
	}
	n := int(binary.BigEndian.Uint16(k[len(k)-2:]))
	if n > len(k)-2 {
		return "", keyenc.ErrMalformed
	}
	s, rest, err := keyenc.String(k[len(k)-2-n : len(k)-2])
	if err != nil || len(rest) != 0 {
		return "", keyenc.ErrMalformed
	}
	return s, nil
}
