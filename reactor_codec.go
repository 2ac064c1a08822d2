package vault

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tokenvault/vault/internal/binrec"
	"github.com/tokenvault/vault/sandbox"
	"github.com/tokenvault/vault/storage"
)

// Reactor records are read on every invocation, and their code may be tens
// of kilobytes: as JSON, decoding it (unquoting every character) and then
// hashing it for the compile cache cost more than running a small reactor.
// So they are stored in the binary record form (schema 2) with the SHA-256
// of the code beside it, and an invocation whose program is in the compile
// cache never copies the code out of the store. Schema 1, the JSON form of
// earlier versions, is still read.
const reactorSchema = 2

const (
	reactorTagID byte = iota + 1
	reactorTagName
	reactorTagCode
	reactorTagCodeHash
	reactorTagConfig
	reactorTagApp
	reactorTagFormula
	reactorTagCreatedBy
	reactorTagCreatedAt
	reactorTagModifiedBy
	reactorTagModifiedAt
)

func marshalReactor(r *reactorRecord) []byte {
	w := binrec.Writer{B: make([]byte, 2, 160+len(r.Code)+len(r.Config))}
	w.B[0], w.B[1] = envelopeV1, reactorSchema
	w.String(reactorTagID, r.ID)
	w.String(reactorTagName, r.Name)
	if r.Code != "" {
		h := sha256.Sum256([]byte(r.Code))
		w.String(reactorTagCode, r.Code)
		w.Bytes(reactorTagCodeHash, h[:])
	}
	w.Bytes(reactorTagConfig, r.Config)
	w.String(reactorTagApp, r.AppID)
	w.String(reactorTagFormula, r.FormulaID)
	w.String(reactorTagCreatedBy, r.CreatedBy)
	w.Time(reactorTagCreatedAt, r.CreatedAt)
	w.String(reactorTagModifiedBy, r.ModifiedBy)
	if r.ModifiedAt != nil {
		w.Time(reactorTagModifiedAt, *r.ModifiedAt)
	}
	return w.B
}

func unmarshalReactor(b []byte) (*reactorRecord, error) {
	r, _, err := decodeReactor(b, nil)
	return r, err
}

// decodeReactor decodes a schema 2 payload. When cached returns the compiled
// program of the code's hash, the code is not copied (r.Code stays empty)
// and that program is returned instead.
func decodeReactor(b []byte, cached func([sha256.Size]byte) *sandbox.Program) (*reactorRecord, *sandbox.Program, error) {
	r := &reactorRecord{}
	var code []byte
	var hash []byte
	err := binrec.Fields(b, func(tag byte, p []byte) (err error) {
		switch tag {
		case reactorTagID:
			r.ID = string(p)
		case reactorTagName:
			r.Name = string(p)
		case reactorTagCode:
			code = p
		case reactorTagCodeHash:
			hash = p
		case reactorTagConfig:
			r.Config = append([]byte(nil), p...)
		case reactorTagApp:
			r.AppID = string(p)
		case reactorTagFormula:
			r.FormulaID = string(p)
		case reactorTagCreatedBy:
			r.CreatedBy = string(p)
		case reactorTagCreatedAt:
			r.CreatedAt, err = binrec.Time(p)
		case reactorTagModifiedBy:
			r.ModifiedBy = string(p)
		case reactorTagModifiedAt:
			r.ModifiedAt, err = timePtr(p)
		}
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if r.ID == "" || (code != nil) != (hash != nil) || hash != nil && len(hash) != sha256.Size {
		return nil, nil, binrec.ErrMalformed
	}
	if cached != nil && hash != nil {
		if prog := cached([sha256.Size]byte(hash)); prog != nil {
			return r, prog, nil
		}
	}
	r.Code = string(code)
	return r, nil, nil
}

// upgradeReactor turns a schema 1 (JSON) reactor record into schema 2.
func upgradeReactor(schema uint8, payload []byte) ([]byte, error) {
	if schema != 1 {
		return nil, fmt.Errorf("unknown schema %d", schema)
	}
	var r reactorRecord
	if err := json.Unmarshal(payload, &r); err != nil {
		return nil, err
	}
	return marshalReactor(&r)[2:], nil
}

// getReactorProgram reads a reactor for an invocation: like getReactor, but
// when the program of its code is in the sandbox's compile cache the code is
// left in the store and the program returned.
func (v *Vault) getReactorProgram(tx storage.Tx, op, tenant, id string) (*reactorRecord, *sandbox.Program, error) {
	b, err := reactorTable.raw(tx, tenant, id)
	if err != nil {
		if errors.Is(err, errRecordNotFound) {
			return nil, nil, newError(KindNotFound, op, "reactor not found")
		}
		return nil, nil, err
	}
	if len(b) < 2 || b[0] != envelopeV1 || b[1] != reactorSchema {
		r, err := reactorTable.decode(b) // an older schema, or damage: the slow path says which
		return r, nil, err
	}
	r, prog, err := decodeReactor(b[2:], v.reactors.sandbox.Lookup)
	if err != nil {
		return nil, nil, fmt.Errorf("decode %s: %w", reactorTable.bucket, err)
	}
	return r, prog, nil
}
