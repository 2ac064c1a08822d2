package vault

import (
	"github.com/tokenvault/vault/keys"
)

// sealedVersions, for SealedVersionsForTest: the versions of a stored
// record's sealed fields, when bucket is t's.
func (t *table[R]) sealedVersions(bucket string, stored []byte) ([]uint32, bool, error) {
	if bucket != t.bucket {
		return nil, false, nil
	}
	if t.sealed == nil {
		return nil, true, nil
	}
	r, err := t.decode(stored)
	if err != nil {
		return nil, true, err
	}
	var out []uint32
	for _, f := range t.sealed(r) {
		if len(*f.value) == 0 {
			continue
		}
		ver, err := keys.SealedVersion(*f.value)
		if err != nil {
			return nil, true, err
		}
		out = append(out, ver)
	}
	return out, true, nil
}
