package vault

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/tokenvault/vault/internal/binrec"
)

// Token records are read on every token operation, so they are stored in a
// compact binary form (package binrec) rather than JSON: one tag per field,
// unknown tags skipped, so fields can be added without a migration.

// tokenSchema is the schema version of stored token records.
const tokenSchema = 1

const (
	tokTagID byte = iota + 1
	tokTagType
	tokTagData
	tokTagCVC
	tokTagCVCUntil
	tokTagMask
	tokTagMetadata
	tokTagFingerprint
	tokTagFingerprintExpression
	tokTagSearchIndexes
	tokTagSearchTerms
	tokTagContainers
	tokTagDeduplicate
	tokTagExpiresAt
	tokTagCreatedBy
	tokTagCreatedAt
	tokTagModifiedBy
	tokTagModifiedAt
)

func marshalToken(r *tokenRecord) []byte {
	w := binrec.Writer{B: make([]byte, 2, 256+len(r.Data)+len(r.Mask))}
	w.B[0], w.B[1] = envelopeV1, tokenSchema
	w.String(tokTagID, r.ID)
	w.String(tokTagType, r.Type)
	w.Bytes(tokTagData, r.Data)
	w.Bytes(tokTagCVC, r.CVC)
	if r.CVCUntil != nil {
		w.Time(tokTagCVCUntil, *r.CVCUntil)
	}
	w.Bytes(tokTagMask, r.Mask)
	w.Map(tokTagMetadata, r.Metadata)
	w.String(tokTagFingerprint, r.Fingerprint)
	w.String(tokTagFingerprintExpression, r.FingerprintExpression)
	w.Strings(tokTagSearchIndexes, r.SearchIndexes)
	w.List(tokTagSearchTerms, r.SearchTerms)
	w.Strings(tokTagContainers, r.Containers)
	w.Bool(tokTagDeduplicate, r.Deduplicate)
	if r.ExpiresAt != nil {
		w.Time(tokTagExpiresAt, *r.ExpiresAt)
	}
	w.String(tokTagCreatedBy, r.CreatedBy)
	w.Time(tokTagCreatedAt, r.CreatedAt)
	w.String(tokTagModifiedBy, r.ModifiedBy)
	if r.ModifiedAt != nil {
		w.Time(tokTagModifiedAt, *r.ModifiedAt)
	}
	return w.B
}

func unmarshalToken(b []byte) (*tokenRecord, error) {
	r := &tokenRecord{}
	err := binrec.Fields(b, func(tag byte, p []byte) (err error) {
		switch tag {
		case tokTagID:
			r.ID = string(p)
		case tokTagType:
			r.Type = internString(p)
		case tokTagData:
			r.Data = append([]byte(nil), p...)
		case tokTagCVC:
			r.CVC = append([]byte(nil), p...)
		case tokTagCVCUntil:
			r.CVCUntil, err = timePtr(p)
		case tokTagMask:
			r.Mask = append([]byte(nil), p...)
		case tokTagMetadata:
			r.Metadata, err = binrec.Map(p)
		case tokTagFingerprint:
			r.Fingerprint = string(p)
		case tokTagFingerprintExpression:
			r.FingerprintExpression = internString(p)
		case tokTagSearchIndexes:
			r.SearchIndexes, err = binrec.Strings(p, internExpr)
		case tokTagSearchTerms:
			r.SearchTerms, err = binrec.List(p)
		case tokTagContainers:
			r.Containers, err = binrec.Strings(p, internContainer)
		case tokTagDeduplicate:
			var b bool
			b, err = binrec.Bool(p)
			r.Deduplicate = &b
		case tokTagExpiresAt:
			r.ExpiresAt, err = timePtr(p)
		case tokTagCreatedBy:
			r.CreatedBy = string(p)
		case tokTagCreatedAt:
			r.CreatedAt, err = binrec.Time(p)
		case tokTagModifiedBy:
			r.ModifiedBy = string(p)
		case tokTagModifiedAt:
			r.ModifiedAt, err = timePtr(p)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if r.ID == "" || r.Type == "" || r.Data == nil {
		return nil, binrec.ErrMalformed
	}
	return r, nil
}

func timePtr(p []byte) (*time.Time, error) {
	t, err := binrec.Time(p)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// Common strings of token records (type names, default containers and
// expressions) are shared rather than allocated on every decode.
var tokenInterns = func() map[string]string {
	m := map[string]string{}
	for _, tt := range tokenTypes {
		m[tt.Name] = tt.Name
		m[tt.DefaultContainer] = tt.DefaultContainer
		m[tt.FingerprintExpression] = tt.FingerprintExpression
		for _, e := range tt.SearchIndexes {
			m[e] = e
		}
	}
	return m
}()

func internString(b []byte) string {
	if s, ok := tokenInterns[string(b)]; ok {
		return s
	}
	return string(b)
}

func internContainer(b []byte) (string, bool) {
	s, ok := tokenInterns[string(b)]
	return s, ok
}

func internExpr(b []byte) (string, bool) { return internContainer(b) }

// Staged token changes are written once per operation of a transaction and
// all read back at commit, so they are binary too (schema 2). Schema 1, the
// JSON form of earlier versions, is still read.
const stagedSchema = 2

const (
	stagedTagID byte = iota + 1
	stagedTagSeq
	stagedTagToken
	stagedTagDeleted
	stagedTagCreated
	stagedTagRecord
)

func marshalStaged(s *stagedToken) []byte {
	var rec []byte
	if s.Record != nil {
		rec = marshalToken(s.Record)
	}
	w := binrec.Writer{B: make([]byte, 2, 64+len(rec))}
	w.B[0], w.B[1] = envelopeV1, stagedSchema
	w.String(stagedTagID, s.ID)
	w.Bytes(stagedTagSeq, binary.AppendUvarint(nil, uint64(s.Seq)))
	w.String(stagedTagToken, s.Token)
	if s.Deleted {
		w.Bool(stagedTagDeleted, &s.Deleted)
	}
	if s.Created {
		w.Bool(stagedTagCreated, &s.Created)
	}
	if rec != nil {
		w.Bytes(stagedTagRecord, rec)
	}
	return w.B
}

func unmarshalStaged(b []byte) (*stagedToken, error) {
	s := &stagedToken{}
	err := binrec.Fields(b, func(tag byte, p []byte) (err error) {
		switch tag {
		case stagedTagID:
			s.ID = string(p)
		case stagedTagSeq:
			seq, n := binary.Uvarint(p)
			if n <= 0 || n != len(p) || seq > math.MaxInt32 {
				return binrec.ErrMalformed
			}
			s.Seq = int(seq)
		case stagedTagToken:
			s.Token = string(p)
		case stagedTagDeleted:
			s.Deleted, err = binrec.Bool(p)
		case stagedTagCreated:
			s.Created, err = binrec.Bool(p)
		case stagedTagRecord:
			if len(p) < 2 || p[0] != envelopeV1 || p[1] != tokenSchema {
				return binrec.ErrMalformed
			}
			s.Record, err = unmarshalToken(p[2:])
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if s.ID == "" || s.Token == "" {
		return nil, binrec.ErrMalformed
	}
	return s, nil
}

// upgradeStaged turns a schema 1 (JSON) staged record into schema 2.
func upgradeStaged(schema uint8, payload []byte) ([]byte, error) {
	if schema != 1 {
		return nil, fmt.Errorf("unknown schema %d", schema)
	}
	var s stagedToken
	if err := json.Unmarshal(payload, &s); err != nil {
		return nil, err
	}
	return marshalStaged(&s)[2:], nil
}
