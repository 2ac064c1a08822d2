package keys_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault/keys"
)

func TestNewLocalErrors(t *testing.T) {
	good := newKEK(t)
	for name, tc := range map[string]struct {
		current  []byte
		previous [][]byte
	}{
		"nil current":     {current: nil},
		"short current":   {current: make([]byte, 16)},
		"long current":    {current: make([]byte, 33)},
		"short previous":  {current: good, previous: [][]byte{make([]byte, 31)}},
		"second previous": {current: good, previous: [][]byte{newKEK(t), nil}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := keys.NewLocal(tc.current, tc.previous...)
			require.Error(t, err)
		})
	}
}

func TestNewLocalCopiesAndDedupes(t *testing.T) {
	kek := newKEK(t)
	saved := append([]byte(nil), kek...)
	p, err := keys.NewLocal(kek, kek, saved) // the same key three times is one key
	require.NoError(t, err)
	clear(kek) // the caller may wipe its copy
	w, err := p.Wrap(t.Context(), []byte("dek"), []byte("aad"))
	require.NoError(t, err)
	got, err := newLocal(t, saved).Unwrap(t.Context(), w, []byte("aad"))
	require.NoError(t, err)
	assert.Equal(t, []byte("dek"), got)
}

func TestLocalWrapFormat(t *testing.T) {
	kek := newKEK(t)
	w, err := newLocal(t, kek).Wrap(t.Context(), make([]byte, 32), []byte("aad"))
	require.NoError(t, err)
	require.Len(t, w, 1+4+12+32+16)
	assert.Equal(t, byte(1), w[0])
	m := hmac.New(sha256.New, kek)
	m.Write([]byte("tokenvault/kek-id/v1"))
	assert.Equal(t, m.Sum(nil)[:4], w[1:5], "the KEK id is the key check value")
}

func TestLocalUnwrapErrors(t *testing.T) {
	ctx := t.Context()
	kek := newKEK(t)
	p := newLocal(t, kek)
	dek := newKEK(t)
	aad := []byte("tenant t1, dek v1")
	w, err := p.Wrap(ctx, dek, aad)
	require.NoError(t, err)

	got, err := p.Unwrap(ctx, w, aad)
	require.NoError(t, err)
	require.Equal(t, dek, got)

	flip := func(i int) []byte { b := append([]byte(nil), w...); b[i] ^= 0x01; return b }
	for name, tc := range map[string]struct {
		p       *keys.Local
		wrapped []byte
		aad     []byte
		want    error
	}{
		"other aad":        {p, w, []byte("tenant t2, dek v1"), keys.ErrDecrypt},
		"nil aad":          {p, w, nil, keys.ErrDecrypt},
		"other KEK":        {newLocal(t, newKEK(t)), w, aad, keys.ErrWrongMasterKey},
		"empty":            {p, nil, aad, keys.ErrDecrypt},
		"short":            {p, w[:1+4+12+15], aad, keys.ErrDecrypt},
		"truncated":        {p, w[:len(w)-1], aad, keys.ErrDecrypt},
		"extended":         {p, append(append([]byte(nil), w...), 0), aad, keys.ErrDecrypt},
		"format":           {p, flip(0), aad, keys.ErrDecrypt},
		"KEK id":           {p, flip(2), aad, keys.ErrWrongMasterKey},
		"nonce":            {p, flip(6), aad, keys.ErrDecrypt},
		"ciphertext":       {p, flip(20), aad, keys.ErrDecrypt},
		"tag":              {p, flip(len(w) - 1), aad, keys.ErrDecrypt},
		"previous missing": {newLocal(t, newKEK(t), newKEK(t)), w, aad, keys.ErrWrongMasterKey},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := tc.p.Unwrap(ctx, tc.wrapped, tc.aad)
			assert.ErrorIs(t, err, tc.want)
			assert.Nil(t, got)
		})
	}

	t.Run("every byte", func(t *testing.T) {
		for i := range w {
			_, err := p.Unwrap(ctx, flip(i), aad)
			if !assert.Error(t, err, "byte %d", i) {
				continue
			}
			assert.True(t, isDecryptOrWrongKey(err), "byte %d: %v", i, err)
		}
	})
}

func isDecryptOrWrongKey(err error) bool {
	return errors.Is(err, keys.ErrDecrypt) || errors.Is(err, keys.ErrWrongMasterKey)
}

func TestLocalPreviousKEKs(t *testing.T) {
	ctx := t.Context()
	old1, old2, cur := newKEK(t), newKEK(t), newKEK(t)
	w1, err := newLocal(t, old1).Wrap(ctx, []byte("a"), nil)
	require.NoError(t, err)
	w2, err := newLocal(t, old2).Wrap(ctx, []byte("b"), nil)
	require.NoError(t, err)

	p := newLocal(t, cur, old1, old2)
	got, err := p.Unwrap(ctx, w1, nil)
	require.NoError(t, err)
	assert.Equal(t, []byte("a"), got)
	got, err = p.Unwrap(ctx, w2, nil)
	require.NoError(t, err)
	assert.Equal(t, []byte("b"), got)

	w3, err := p.Wrap(ctx, []byte("c"), nil)
	require.NoError(t, err)
	got, err = newLocal(t, cur).Unwrap(ctx, w3, nil)
	require.NoError(t, err, "Wrap uses the current KEK")
	assert.Equal(t, []byte("c"), got)
	_, err = newLocal(t, old1).Unwrap(ctx, w3, nil)
	assert.ErrorIs(t, err, keys.ErrWrongMasterKey)
}
