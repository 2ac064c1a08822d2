package sandbox_test

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tokenvault/vault/sandbox"
)

// FuzzStreamDecoder feeds arbitrary bytes, cut at arbitrary points, to a
// Readable with setEncoding (the decoder of lib/stream.js, which holds back
// a character split between chunks): the result for valid UTF-8 is the
// input, whatever the cuts; hex and base64 are the input's encoding.
func FuzzStreamDecoder(f *testing.F) {
	for _, seed := range []struct {
		data string
		cuts []byte
	}{
		{"hello", []byte{2}},
		{"€x", []byte{1, 1}},
		{"𝄞a\xc3", []byte{1, 2, 3}},
		{"\xff\xfe\xe2\x82", nil},
		{"", []byte{0}},
	} {
		f.Add([]byte(seed.data), seed.cuts)
	}
	s, err := sandbox.New(sandbox.WithLimits(sandbox.Limits{Timeout: 2 * time.Second}))
	if err != nil {
		f.Fatal(err)
	}
	p, err := s.Compile(`module.exports = async (req) => {
		const { Readable } = require('stream');
		const data = Buffer.from(req.args.data, 'base64');
		const out = {};
		for (const enc of ['utf8', 'hex', 'base64']) {
			const r = new Readable({ read() {} });
			r.setEncoding(enc);
			let at = 0;
			for (const c of req.args.cuts) {
				const end = Math.min(data.length, at + c);
				r.push(Buffer.from(data.buffer, data.byteOffset + at, end - at));
				at = end;
			}
			r.push(Buffer.from(data.buffer, data.byteOffset + at, data.length - at));
			r.push(null);
			let s = '';
			r.on('data', (d) => { s += d; });
			await new Promise((res, rej) => { r.on('end', res); r.on('error', rej); });
			out[enc] = s;
		}
		return { raw: out };
	}`)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte, cuts []byte) {
		if len(data) > 1<<12 || len(cuts) > 64 {
			return
		}
		ints := make([]int, len(cuts))
		for i, c := range cuts {
			ints[i] = int(c % 8)
		}
		args, _ := json.Marshal(map[string]any{"data": base64.StdEncoding.EncodeToString(data), "cuts": ints})
		res, err := s.Run(context.Background(), p, sandbox.Request{Args: args})
		if err != nil {
			t.Fatalf("run: %v", err)
		}
		var got map[string]string
		if err := json.Unmarshal(res.Raw, &got); err != nil {
			t.Fatal(err)
		}
		if utf8.Valid(data) && got["utf8"] != string(data) {
			t.Fatalf("utf8: got %q, want %q", got["utf8"], data)
		}
		if got["hex"] != hex.EncodeToString(data) {
			t.Fatalf("hex: got %q", got["hex"])
		}
		if dec, err := base64.StdEncoding.DecodeString(got["base64"]); err != nil || string(dec) != string(data) {
			t.Fatalf("base64: got %q (%v)", got["base64"], err)
		}
	})
}
