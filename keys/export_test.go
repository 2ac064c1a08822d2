package keys

// Bucket is the store bucket of the keyring, for tests that tamper with it.
const Bucket = bucket

// TenantRecordKey is the store key of a tenant's record.
func TenantRecordKey(tenant string) []byte { return tenantKey(tenant) }

// CheckRecordKey is the store key of the check record.
var CheckRecordKey = checkKey

// SetRewrapBatch sets how many records Rewrap handles per transaction.
func SetRewrapBatch(k *Keyring, n int) { k.batch = n }

// KeyBytes returns the slices of key bytes tk holds (not copies): the index
// root key and every derived MAC key, so tests can check they are wiped.
func KeyBytes(tk *TenantKeys) [][]byte {
	tk.mu.RLock()
	defer tk.mu.RUnlock()
	out := [][]byte{tk.index}
	if m := tk.macs.Load(); m != nil {
		for _, mk := range *m {
			out = append(out, mk.key)
		}
	}
	return out
}
