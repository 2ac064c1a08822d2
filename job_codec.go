package vault

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tokenvault/vault/internal/binrec"
)

// Job records are read and rewritten on the store's one write path (a
// claim, every lease renewal, the settle), and a webhook delivery's payload
// holds its events, tens of kilobytes: as JSON the payload was
// base64-encoded and every read re-scanned it. So they are stored in the
// binary record form (schema 2); schema 1, the JSON form of earlier
// versions, is still read.
const jobSchema = 2

const (
	jobTagID byte = iota + 1
	jobTagKind
	jobTagState
	jobTagPayload
	jobTagAttempts
	jobTagNextRun
	jobTagLeaseOwner
	jobTagLeaseUntil
	jobTagLastError
	jobTagCreatedAt
	jobTagDeadAt
	jobTagDetached
)

func marshalJob(j *jobRecord) []byte {
	w := binrec.Writer{B: make([]byte, 2, 128+len(j.Payload))}
	w.B[0], w.B[1] = envelopeV1, jobSchema
	w.String(jobTagID, j.ID)
	w.String(jobTagKind, j.Kind)
	w.String(jobTagState, j.State)
	w.Bytes(jobTagPayload, j.Payload)
	if j.Attempts != 0 {
		w.Bytes(jobTagAttempts, binary.AppendUvarint(nil, uint64(j.Attempts)))
	}
	w.Time(jobTagNextRun, j.NextRun)
	if j.Lease != nil {
		w.String(jobTagLeaseOwner, j.Lease.Owner)
		w.Time(jobTagLeaseUntil, j.Lease.Until)
	}
	w.String(jobTagLastError, j.LastError)
	w.Time(jobTagCreatedAt, j.CreatedAt)
	if j.DeadAt != nil {
		w.Time(jobTagDeadAt, *j.DeadAt)
	}
	if j.Detached {
		w.Bytes(jobTagDetached, []byte{1})
	}
	return w.B
}

var errJobRecord = errors.New("malformed job record")

func unmarshalJob(b []byte) (*jobRecord, error) {
	j := &jobRecord{}
	var leaseOwner *string
	err := binrec.Fields(b, func(tag byte, p []byte) (err error) {
		switch tag {
		case jobTagID:
			j.ID = string(p)
		case jobTagKind:
			j.Kind = string(p)
		case jobTagState:
			j.State = string(p)
		case jobTagPayload:
			j.Payload = append([]byte(nil), p...)
		case jobTagAttempts:
			n, k := binary.Uvarint(p)
			if k != len(p) || n > 1<<31 {
				return errJobRecord
			}
			j.Attempts = int(n)
		case jobTagNextRun:
			j.NextRun, err = binrec.Time(p)
		case jobTagLeaseOwner:
			s := string(p)
			leaseOwner = &s
		case jobTagLeaseUntil:
			if j.Lease == nil {
				j.Lease = &lease{}
			}
			j.Lease.Until, err = binrec.Time(p)
		case jobTagLastError:
			j.LastError = string(p)
		case jobTagCreatedAt:
			j.CreatedAt, err = binrec.Time(p)
		case jobTagDeadAt:
			j.DeadAt, err = timePtr(p)
		case jobTagDetached:
			j.Detached, err = binrec.Bool(p)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if leaseOwner != nil {
		if j.Lease == nil {
			j.Lease = &lease{}
		}
		j.Lease.Owner = *leaseOwner
	}
	return j, nil
}

// upgradeJob rewrites a schema 1 (JSON) job record into schema 2.
func upgradeJob(schema uint8, payload []byte) ([]byte, error) {
	if schema != 1 {
		return nil, fmt.Errorf("unknown schema %d", schema)
	}
	var j jobRecord
	if err := json.Unmarshal(payload, &j); err != nil {
		return nil, err
	}
	return marshalJob(&j)[2:], nil
}
