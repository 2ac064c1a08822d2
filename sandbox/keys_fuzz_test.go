package sandbox_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tokenvault/vault/sandbox"
)

// FuzzKeyInput feeds arbitrary PEM, DER and JWK input to createPrivateKey
// and createPublicKey (and what parses to sign and verify): every failure
// must be a JavaScript error with a Node code, never a failed invocation.
func FuzzKeyInput(f *testing.F) {
	text, err := os.ReadFile("testdata/node/sign.js")
	if err != nil {
		f.Fatal(err)
	}
	// The fixed keys of the golden snippets are the seeds, whole and cut.
	for _, m := range regexp.MustCompile(`"-----BEGIN [^"]+-----\\n"`).FindAllString(string(text), -1) {
		var pem string
		if err := json.Unmarshal([]byte(m), &pem); err == nil {
			f.Add([]byte(pem), uint8(0))
			f.Add([]byte(pem[:len(pem)/2]), uint8(0))
			if i := strings.Index(pem, "\n"); i > 0 {
				if der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Split(pem, "\n")[1:len(strings.Split(pem, "\n"))-2], "")); err == nil {
					for typ := uint8(1); typ <= 5; typ++ {
						f.Add(der, typ)
					}
				}
			}
		}
	}
	f.Add([]byte(`{"kty":"EC","crv":"P-256","x":"JwhlDXDgXFL-7d2RM3j6N2DnWcg8s91RAJQU1Wi9v2g","y":"ZYfGVgUkj1JnpzwC9Mdig_mE8s4onhkTwAn_iDnoIcE"}`), uint8(6))
	f.Add([]byte(`{"kty":"RSA","n":"AQAB","e":"AQAB","d":"AQ","p":"Aw","q":"Bw"}`), uint8(6))
	f.Add([]byte(`{"kty":"OKP","crv":"Ed25519","x":"K3ANnN_PP7YySSUDJFOF3fRi-zBsOxMShhGGqpmFYpI"}`), uint8(6))
	s, err := sandbox.New(sandbox.WithLimits(sandbox.Limits{Timeout: time.Second}))
	if err != nil {
		f.Fatal(err)
	}
	p, err := s.Compile(`module.exports = async (req) => {
		const crypto = require('crypto');
		const data = Buffer.from(req.args.b64, 'base64');
		const type = ['pkcs8', 'pkcs1', 'sec1', 'spki', 'pkcs1'][req.args.mode - 1];
		let input = data;
		if (req.args.mode === 6) {
			try { input = { key: JSON.parse(data.toString()), format: 'jwk' } } catch (e) { return { raw: 'not json' } }
		} else if (type) {
			input = { key: data, format: 'der', type };
		}
		const out = [];
		for (const make of [crypto.createPrivateKey, crypto.createPublicKey]) {
			try {
				const k = make(input);
				out.push(k.asymmetricKeyType);
				if (k.type === 'private') crypto.sign(k.asymmetricKeyType === 'ed25519' ? null : 'sha256', Buffer.from('x'), k);
				else crypto.verify(k.asymmetricKeyType === 'ed25519' ? null : 'sha256', Buffer.from('x'), k, Buffer.alloc(64));
				k.export({ format: 'jwk' });
			} catch (e) {
				if (typeof e.code !== 'string') throw new Error('no code: ' + e.message);
				out.push(e.code);
			}
		}
		return { raw: out };
	}`)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		args, _ := json.Marshal(map[string]any{"b64": base64.StdEncoding.EncodeToString(data), "mode": mode % 7})
		if _, err := s.Run(context.Background(), p, sandbox.Request{Args: args}); err != nil {
			t.Fatalf("mode %d: %v", mode%7, err)
		}
	})
}
