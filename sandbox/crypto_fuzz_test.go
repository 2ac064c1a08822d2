package sandbox

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"testing"
)

// FuzzZlibDecompress feeds arbitrary bytes to every decompressor of the
// zlib module: none may panic, loop, or return more than maxOut bytes, and
// what the compressors write must come back.
func FuzzZlibDecompress(f *testing.F) {
	var gz, zl, raw bytes.Buffer
	gw := gzip.NewWriter(&gz)
	_, _ = gw.Write([]byte("hello hello hello"))
	_ = gw.Close()
	zw := zlib.NewWriter(&zl)
	_, _ = zw.Write([]byte("hello"))
	_ = zw.Close()
	fw, _ := flate.NewWriter(&raw, 9)
	_, _ = fw.Write(bytes.Repeat([]byte{0}, 100000))
	_ = fw.Close()
	for _, seed := range [][]byte{gz.Bytes(), zl.Bytes(), raw.Bytes(), nil, []byte("garbage"), {0x78, 0x9c}, {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3},
		append(gz.Bytes(), gz.Bytes()...), {0x78, 0xbb, 0, 0, 0, 1}, zl.Bytes()[:5]} {
		f.Add(seed, uint8(0))
	}
	ops := []string{"inflate", "gunzip", "inflateRaw", "unzip"}
	f.Fuzz(func(t *testing.T, data []byte, sel uint8) {
		op := ops[int(sel)%len(ops)]
		j := &zlibJob{op: op, data: data, windowBits: 15, maxOut: 1 << 16, syncFlush: sel&0x80 != 0}
		if sel&0x40 != 0 {
			j.dict = []byte("dictionary")
		}
		out, ze := j.run(context.Background())
		if ze == nil && len(out) > j.maxOut {
			t.Fatalf("%s returned %d bytes over the bound", op, len(out))
		}
		if ze != nil && ze.code == "" {
			t.Fatalf("%s: an error without a code", op)
		}
		comp := map[string]string{"inflate": "deflate", "gunzip": "gzip", "inflateRaw": "deflateRaw", "unzip": "gzip"}[op]
		c := &zlibJob{op: comp, data: data, level: -1, windowBits: 15, maxOut: 1 << 30, dict: j.dict}
		if comp == "gzip" {
			c.dict = nil
		}
		z, ze := c.run(context.Background())
		if ze != nil {
			t.Fatalf("%s: %s", comp, ze.msg)
		}
		back, ze := (&zlibJob{op: op, data: z, windowBits: 15, maxOut: 1 << 30, dict: c.dict}).run(context.Background())
		if ze != nil || !bytes.Equal(back, data) {
			t.Fatalf("%s round trip failed: %v", op, ze)
		}
	})
}
