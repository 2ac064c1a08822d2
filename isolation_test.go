package vault_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/storage/memory"
)

// TestCrossTenantIsolation runs random operations as two tenants' backends
// over overlapping data, and checks after each that nothing of the other
// tenant was read, listed, found, detokenized, changed or counted.
func TestCrossTenantIsolation(t *testing.T) {
	v := openTestVault(t)
	ctx := t.Context()
	full := []vault.AccessRule{{Priority: 1, Container: "/", Transform: vault.TransformReveal, Permissions: []string{
		vault.PermTokenCreate, vault.PermTokenRead, vault.PermTokenUpdate, vault.PermTokenDelete, vault.PermTokenSearch}}}
	type side struct {
		ctx    context.Context
		ids    map[string]bool // live tokens of this tenant
		fps    []string
		name   string
		tenant string
	}
	mkSide := func(name string) *side {
		tenant, mgmt, err := v.CreateTenant(ctx, vault.CreateTenantRequest{Name: name, Settings: map[string]string{
			vault.SettingFingerprintTokens: "true", vault.SettingTokenizeLimit: "20"}})
		require.NoError(t, err)
		app, err := v.CreateApplication(authenticate(t, v, mgmt.Key), vault.CreateApplicationRequest{Name: "backend", Type: vault.AppPrivate, Rules: full})
		require.NoError(t, err)
		return &side{ctx: authenticate(t, v, app.Key), ids: map[string]bool{}, name: name, tenant: tenant.ID}
	}
	sides := []*side{mkSide("A"), mkSide("B")}
	ssns := []string{"111-22-3333", "222-33-4444", "333-44-5555"}
	rng := rand.New(rand.NewPCG(42, 7))

	// check fails on any token that is not one of the caller's own; custom
	// ids may exist in both tenants, so the tenant is checked too.
	check := func(t *testing.T, me *side, toks []*vault.Token, what string) {
		for _, tok := range toks {
			require.Equal(t, me.tenant, tok.TenantID, "%s of %s returned a token of another tenant", what, me.name)
			require.True(t, me.ids[tok.ID], "%s of %s returned a token it does not own", what, me.name)
		}
	}
	for step := range 400 {
		i := rng.IntN(2)
		me, other := sides[i], sides[1-i]
		otherIDs := slices.Collect(func(yield func(string) bool) {
			for id := range other.ids {
				if !yield(id) {
					return
				}
			}
		})
		slices.Sort(otherIDs)
		var victim string
		if len(otherIDs) > 0 {
			victim = otherIDs[rng.IntN(len(otherIDs))]
		}
		ssn := ssns[rng.IntN(len(ssns))]
		switch op := rng.IntN(9); op {
		case 0, 1:
			req := vault.CreateTokenRequest{Type: vault.TypeSocialSecurityNumber, Data: ssn, Metadata: map[string]string{"shared": "yes"}}
			if rng.IntN(3) == 0 {
				req.ID = fmt.Sprintf("custom-%d", rng.IntN(20)) // ids collide across tenants on purpose
			}
			tok, err := v.CreateToken(me.ctx, req)
			if err == nil {
				me.ids[tok.ID] = true
				me.fps = append(me.fps, tok.Fingerprint)
			} else {
				requireKind(t, err, vault.KindConflict) // a custom id taken in this tenant
			}
		case 2:
			if victim == "" {
				continue
			}
			tok, err := v.GetToken(me.ctx, victim)
			if me.ids[victim] {
				require.NoError(t, err)
				check(t, me, []*vault.Token{tok}, "get")
			} else {
				requireKind(t, err, vault.KindNotFound)
			}
		case 3:
			var got []*vault.Token
			for tok, err := range v.AllTokens(me.ctx, vault.ListTokensRequest{Size: 7}) {
				require.NoError(t, err)
				got = append(got, tok)
			}
			check(t, me, got, "list")
			assert.Len(t, got, len(me.ids), "step %d: list counts only the caller's tokens", step)
		case 4:
			q := "data:" + ssn
			if len(other.fps) > 0 && rng.IntN(2) == 0 {
				q = "fingerprint:" + other.fps[rng.IntN(len(other.fps))]
			}
			var got []*vault.Token
			for tok, err := range v.AllSearchTokens(me.ctx, vault.SearchTokensRequest{Query: q + " OR metadata.shared:yes"}) {
				require.NoError(t, err)
				got = append(got, tok)
			}
			check(t, me, got, "search")
		case 5:
			if victim == "" || me.ids[victim] {
				continue
			}
			_, err := v.Detokenize(me.ctx, map[string]any{"x": "{{ " + victim + " }}"})
			requireKind(t, err, vault.KindInvalid)
		case 6:
			if victim == "" || me.ids[victim] {
				continue
			}
			_, err := v.UpdateToken(me.ctx, victim, vault.UpdateTokenRequest{Containers: []string{"/stolen/"}})
			requireKind(t, err, vault.KindNotFound)
		case 7:
			if victim == "" || me.ids[victim] {
				continue
			}
			requireKind(t, v.DeleteToken(me.ctx, victim), vault.KindNotFound)
		case 8:
			out, err := v.Tokenize(me.ctx, map[string]any{"a": ssn})
			require.NoError(t, err)
			me.ids[out.(map[string]any)["a"].(string)] = true
		}
	}
	// Every token of each side is still there and reads as its own.
	for _, s := range sides {
		for id := range s.ids {
			_, err := v.GetToken(s.ctx, id)
			require.NoError(t, err)
		}
	}
}

func TestNoAPIKeyInStore(t *testing.T) {
	store := memory.New()
	v, err := vault.Open("", vault.WithStore(store), vault.WithKeyProvider(testProvider(t)), vault.WithSweepInterval(0))
	require.NoError(t, err)
	defer v.Close()
	boot, ok := v.TakeBootstrapKey()
	require.True(t, ok)
	keys := []string{boot.Reveal()}
	for i := range 5 {
		app, err := v.CreateApplication(t.Context(), vault.CreateApplicationRequest{Name: fmt.Sprint(i), Type: vault.AppPublic, Permissions: []string{vault.PermTokenCreate}})
		require.NoError(t, err)
		keys = append(keys, app.Key.Reveal())
		s, err := v.CreateSession(authenticate(t, v, app.Key))
		require.NoError(t, err)
		keys = append(keys, s.SessionKey.Reveal(), s.Nonce.Reveal())
	}
	dump := dumpAll(t, store)
	for _, k := range keys {
		require.True(t, strings.HasPrefix(k, "key_") || len(k) > 10)
		assert.False(t, bytes.Contains(dump, []byte(k)), "the store holds a key or nonce in plaintext")
		assert.False(t, bytes.Contains(dump, []byte(k[len(k)-12:])), "the store holds part of a key")
	}
}
