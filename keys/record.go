package keys

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"
)

// What the keyring keeps in the store, all in one bucket:
//
//	"c"            check record: 0x01 | Provider.Wrap(random 32 bytes, checkAAD)
//	"t" + tenant   tenant record: 0x01 | state | ...
//
// An active tenant record is
//
//	0x01 | 0x01 | uvarint len | wrapped index root key
//	     | uvarint n | n × (uvarint version | uvarint len | wrapped DEK)
//
// with versions strictly ascending; a tombstone is 0x01 | 0x02 | deletion
// time (8 bytes, big-endian Unix nanoseconds). Every wrapped key is bound by
// its aad to (tenant, purpose, version), so the untrusted store cannot move a
// key to another tenant, purpose or version.
const (
	bucket        = "keys"
	recordFormat  = 1
	stateActive   = 1
	stateDeleted  = 2
	tenantPrefix  = 't'
	keySize       = 32 // DEKs and index root keys
	purposeDEK    = "dek"
	purposeIndex  = "index"
	wrapDomain    = "tokenvault/key/v1"
	checkDomain   = "tokenvault/check/v1"
	maxTenantID   = 4096 - 1 // storage.MaxKeyLen less the prefix
	indexVersion  = 1        // the index root key is never rotated
	maxRecordKeys = 1 << 24  // a sanity bound on DEK versions in a record
)

var checkKey = []byte{'c'}

// checkAAD binds the check record.
var checkAAD = appendString(nil, checkDomain)

func tenantKey(tenant string) []byte {
	return append([]byte{tenantPrefix}, tenant...)
}

// keyAAD binds a wrapped key to its tenant, purpose and version.
func keyAAD(purpose, tenant string, version uint32) []byte {
	b := make([]byte, 0, 3*binary.MaxVarintLen64+len(wrapDomain)+len(purpose)+len(tenant)+4)
	b = appendString(b, wrapDomain)
	b = appendString(b, purpose)
	b = appendString(b, tenant)
	return binary.BigEndian.AppendUint32(b, version)
}

type wrappedDEK struct {
	version uint32
	wrapped []byte
}

// tenantRecord is a decoded tenant record.
type tenantRecord struct {
	deleted   bool
	deletedAt int64 // Unix nanoseconds; tombstones only
	index     []byte
	deks      []wrappedDEK // ascending versions; the last is current
}

func (r *tenantRecord) current() uint32 { return r.deks[len(r.deks)-1].version }

// wrappedDEK returns the wrapped DEK of version v, or nil.
func (r *tenantRecord) wrappedDEK(v uint32) []byte {
	i, ok := slices.BinarySearchFunc(r.deks, v, func(d wrappedDEK, v uint32) int { return cmp.Compare(d.version, v) })
	if !ok {
		return nil
	}
	return r.deks[i].wrapped
}

func (r *tenantRecord) encode() []byte {
	if r.deleted {
		b := []byte{recordFormat, stateDeleted}
		return binary.BigEndian.AppendUint64(b, uint64(r.deletedAt))
	}
	n := 2 + 2*binary.MaxVarintLen64 + len(r.index)
	for _, d := range r.deks {
		n += 2*binary.MaxVarintLen64 + len(d.wrapped)
	}
	b := make([]byte, 0, n)
	b = append(b, recordFormat, stateActive)
	b = appendBytes(b, r.index)
	b = binary.AppendUvarint(b, uint64(len(r.deks)))
	for _, d := range r.deks {
		b = binary.AppendUvarint(b, uint64(d.version))
		b = appendBytes(b, d.wrapped)
	}
	return b
}

var errMalformedRecord = fmt.Errorf("%w: malformed key record in the store", ErrDecrypt)

// decodeTenantRecord parses a tenant record; the result shares no memory
// with b. A record that does not parse is an error matching ErrDecrypt.
func decodeTenantRecord(b []byte) (*tenantRecord, error) {
	r := reader{b: b}
	if r.byte() != recordFormat {
		return nil, errMalformedRecord
	}
	rec := &tenantRecord{}
	switch r.byte() {
	case stateDeleted:
		if len(r.b) != 8 {
			return nil, errMalformedRecord
		}
		rec.deleted = true
		rec.deletedAt = int64(binary.BigEndian.Uint64(r.b))
		return rec, nil
	case stateActive:
	default:
		return nil, errMalformedRecord
	}
	rec.index = r.bytes()
	n := r.uvarint()
	if r.bad || n == 0 || n > maxRecordKeys || len(rec.index) == 0 {
		return nil, errMalformedRecord
	}
	var last uint64
	for range n {
		v := r.uvarint()
		w := r.bytes()
		if r.bad || v <= last || v > 1<<32-1 || len(w) == 0 {
			return nil, errMalformedRecord
		}
		last = v
		rec.deks = append(rec.deks, wrappedDEK{version: uint32(v), wrapped: w})
	}
	if len(r.b) != 0 {
		return nil, errMalformedRecord
	}
	return rec, nil
}

// reader decodes the record encoding; any short read sets bad.
type reader struct {
	b   []byte
	bad bool
}

func (r *reader) byte() byte {
	if len(r.b) == 0 {
		r.bad = true
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.bad = true
		r.b = nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

// bytes reads a length-prefixed byte string and returns a copy.
func (r *reader) bytes() []byte {
	n := r.uvarint()
	if r.bad || n > uint64(len(r.b)) {
		r.bad = true
		return nil
	}
	out := append([]byte(nil), r.b[:n]...)
	r.b = r.b[n:]
	return out
}

// appendString appends s with a uvarint length prefix.
func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendBytes appends p with a uvarint length prefix.
func appendBytes(b, p []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(p)))
	return append(b, p...)
}

// uvarintLen is the size of the uvarint encoding of x.
func uvarintLen(x uint64) int {
	return (bits.Len64(x|1) + 6) / 7
}
