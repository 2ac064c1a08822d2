package sandbox

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"hash/adler32"
	"hash/crc32"
	"io"
	"strconv"

	"github.com/dop251/goja"
)

// The Go half of lib/zlib.js: compression and decompression of whole
// buffers on compress/flate, compress/gzip and compress/zlib. The
// JavaScript half validates the arguments as Node does and builds the
// synchronous and callback forms.

// A variable, not init: package sandbox's init turns a worker process into
// a worker before the init functions of later files run.
var _ = registerNatives("zlib", (*invocation).zlibNatives)

func registerNatives(name string, mk func(*invocation) *goja.Object) bool {
	jsNatives[name] = mk
	return true
}

// zlibChunk is how much is compressed or inflated between two checks of
// the invocation's context.
const zlibChunk = 256 << 10

// zlibError is a failure as zlib reports it: message, errno and code.
type zlibError struct {
	msg   string
	errno int
	code  string
}

var (
	zDataError   = func(msg string) *zlibError { return &zlibError{msg, -3, "Z_DATA_ERROR"} }
	zUnexpectEOF = &zlibError{"unexpected end of file", -5, "Z_BUF_ERROR"}
	zTooLarge    = &zlibError{code: "ERR_BUFFER_TOO_LARGE"}
	zInterrupted = &zlibError{msg: "the invocation ended", code: "ERR_INTERRUPTED"}
)

// zlibJob is one call: op is deflate, inflate, gzip, gunzip, deflateRaw,
// inflateRaw or unzip.
type zlibJob struct {
	op         string
	data, dict []byte
	level      int
	strategy   int
	windowBits int
	maxOut     int
	syncFlush  bool // finishFlush Z_SYNC_FLUSH (or any but Z_FINISH): truncated input is no error
}

func (inv *invocation) zlibNatives() *goja.Object {
	rt := inv.rt
	n := rt.NewObject()
	cs := &cryptoState{inv: inv} // for binary and the error helpers
	job := func(call goja.FunctionCall) *zlibJob {
		data, _ := cs.binary(call.Argument(1))
		j := &zlibJob{op: call.Argument(0).String(), data: bytes.Clone(data),
			level: int(call.Argument(2).ToInteger()), strategy: int(call.Argument(3).ToInteger()),
			windowBits: int(call.Argument(4).ToInteger()), maxOut: int(min(call.Argument(5).ToFloat(), float64(inv.limits.MaxBufferSize))),
			syncFlush: call.Argument(7).ToInteger() != 4}
		if d, ok := cs.binary(call.Argument(6)); ok {
			j.dict = bytes.Clone(d)
		}
		return j
	}
	toJS := func(out []byte, ze *zlibError, maxOut int) (goja.Value, goja.Value) {
		if ze == nil {
			return goja.Null(), inv.newBuffer(out)
		}
		if ze == zTooLarge {
			return inv.nodeError("RangeError", "ERR_BUFFER_TOO_LARGE", "Cannot create a Buffer larger than "+strconv.Itoa(maxOut)+" bytes"), goja.Undefined()
		}
		e := inv.newError("Error", ze.msg)
		if ze != zInterrupted {
			_ = e.Set("errno", ze.errno)
		}
		_ = e.Set("code", ze.code)
		return e, goja.Undefined()
	}
	inv.setFunc(n, "sync", 8, func(call goja.FunctionCall) goja.Value {
		j := job(call)
		out, ze := j.run(inv.ctx)
		errV, v := toJS(out, ze, j.maxOut)
		if ze != nil {
			panic(errV)
		}
		return v
	})
	inv.setFunc(n, "async", 9, func(call goja.FunctionCall) goja.Value {
		j := job(call)
		cb, _ := goja.AssertFunction(call.Argument(8))
		inv.start(func(ctx context.Context) func() {
			out, ze := j.run(ctx)
			return func() {
				errV, v := toJS(out, ze, j.maxOut)
				if _, err := cb(goja.Undefined(), errV, v); err != nil {
					inv.fail(err)
				}
			}
		})
		return goja.Undefined()
	})
	inv.setFunc(n, "crc32", 2, func(call goja.FunctionCall) goja.Value {
		b, _ := cs.binary(call.Argument(0))
		return rt.ToValue(crc32.Update(uint32(call.Argument(1).ToInteger()), crc32.IEEETable, b))
	})
	return n
}

func (j *zlibJob) run(ctx context.Context) ([]byte, *zlibError) {
	switch j.op {
	case "deflate", "gzip", "deflateRaw":
		return j.compress(ctx)
	}
	return j.decompress(ctx)
}

func (j *zlibJob) compress(ctx context.Context) ([]byte, *zlibError) {
	var out bytes.Buffer
	level := j.level
	if j.strategy == 2 { // Z_HUFFMAN_ONLY
		level = flate.HuffmanOnly
	}
	var w io.WriteCloser
	var err error
	switch j.op {
	case "deflateRaw":
		if j.dict != nil {
			w, err = flate.NewWriterDict(&out, level, j.dict)
		} else {
			w, err = flate.NewWriter(&out, level)
		}
	case "deflate":
		w, err = zlib.NewWriterLevelDict(&out, level, j.dict)
	default:
		var g *gzip.Writer
		g, err = gzip.NewWriterLevel(&out, level)
		if g != nil {
			g.OS = 3 // Unix, as zlib writes
		}
		w = g
	}
	if err != nil {
		return nil, &zlibError{"invalid compression level", -2, "Z_STREAM_ERROR"}
	}
	for data := j.data; len(data) > 0; {
		n := min(len(data), zlibChunk)
		_, _ = w.Write(data[:n])
		data = data[n:]
		if ctx.Err() != nil {
			return nil, zInterrupted
		}
	}
	_ = w.Close()
	if out.Len() > j.maxOut {
		return nil, zTooLarge
	}
	return out.Bytes(), nil
}

func (j *zlibJob) decompress(ctx context.Context) ([]byte, *zlibError) {
	data := j.data
	op := j.op
	if op == "unzip" {
		op = "inflate"
		if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
			op = "gunzip"
		}
	}
	var out bytes.Buffer
	switch op {
	case "inflateRaw":
		var r io.ReadCloser
		if j.dict != nil {
			r = flate.NewReaderDict(bytes.NewReader(data), j.dict)
		} else {
			r = flate.NewReader(bytes.NewReader(data))
		}
		if ze := j.copy(ctx, &out, r); ze != nil {
			return j.partial(&out, ze)
		}
	case "inflate":
		if ze := j.zlibHeader(data); ze != nil {
			return nil, ze
		}
		r, err := zlib.NewReaderDict(bytes.NewReader(data), j.dict)
		if err != nil {
			return j.partial(&out, mapInflateError(err))
		}
		if ze := j.copy(ctx, &out, r); ze != nil {
			return j.partial(&out, ze)
		}
	default: // gunzip: members one after another, as zlib reads them
		src := bytes.NewReader(data)
		for first := true; ; first = false {
			rest := data[len(data)-src.Len():]
			if !first && (len(rest) == 0 || rest[0] == 0) {
				break // zlib ignores what follows a member when it starts with a zero byte
			}
			if ze := gzipHeader(rest); ze != nil {
				return j.partial(&out, ze)
			}
			r, err := gzip.NewReader(src)
			if err != nil {
				return j.partial(&out, mapInflateError(err))
			}
			r.Multistream(false)
			start := out.Len()
			if ze := j.copy(ctx, &out, r); ze != nil {
				if ze == errChecksum {
					// Go reports the CRC and the length alike: tell them apart.
					end := len(data) - src.Len()
					if end >= 8 && crc32.ChecksumIEEE(out.Bytes()[start:]) == leUint32(data[end-8:]) {
						return nil, zDataError("incorrect length check")
					}
					return nil, zDataError("incorrect data check")
				}
				return j.partial(&out, ze)
			}
		}
	}
	return out.Bytes(), nil
}

// partial returns the output so far instead of an unexpected end of file
// when finishFlush allows a truncated input.
func (j *zlibJob) partial(out *bytes.Buffer, ze *zlibError) ([]byte, *zlibError) {
	if ze == zUnexpectEOF && j.syncFlush {
		return out.Bytes(), nil
	}
	return nil, ze
}

func leUint32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

// zlibHeader checks the two header bytes of a zlib stream as zlib does,
// with zlib's messages, and the dictionary it asks for.
func (j *zlibJob) zlibHeader(data []byte) *zlibError {
	if len(data) < 2 {
		return zUnexpectEOF
	}
	cmf, flg := data[0], data[1]
	if (uint16(cmf)<<8|uint16(flg))%31 != 0 {
		return zDataError("incorrect header check")
	}
	if cmf&0x0f != 8 {
		return zDataError("unknown compression method")
	}
	wb := j.windowBits
	if wb == 0 {
		wb = 15
	}
	if int(cmf>>4)+8 > wb {
		return zDataError("invalid window size")
	}
	if flg&0x20 != 0 {
		if len(data) < 6 {
			return zUnexpectEOF
		}
		if j.dict == nil {
			return &zlibError{"Missing dictionary", 2, "Z_NEED_DICT"}
		}
		if adler32.Checksum(j.dict) != uint32(data[2])<<24|uint32(data[3])<<16|uint32(data[4])<<8|uint32(data[5]) {
			return &zlibError{"Bad dictionary", 2, "Z_NEED_DICT"}
		}
	}
	return nil
}

// gzipHeader checks the fixed start of a gzip member.
func gzipHeader(data []byte) *zlibError {
	if len(data) >= 1 && data[0] != 0x1f || len(data) >= 2 && data[1] != 0x8b {
		return zDataError("incorrect header check")
	}
	if len(data) >= 3 && data[2] != 8 {
		return zDataError("unknown compression method")
	}
	if len(data) < 10 {
		return zUnexpectEOF
	}
	return nil
}

// copy inflates r into out in chunks, checking the output bound while it
// inflates and the context between chunks.
func (j *zlibJob) copy(ctx context.Context, out *bytes.Buffer, r io.Reader) *zlibError {
	buf := make([]byte, 32<<10)
	for {
		if ctx.Err() != nil {
			return zInterrupted
		}
		n, err := r.Read(buf[:min(len(buf), j.maxOut-out.Len()+1)])
		out.Write(buf[:n])
		if out.Len() > j.maxOut {
			return zTooLarge
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return mapInflateError(err)
		}
	}
}

var errChecksum = zDataError("incorrect data check")

func mapInflateError(err error) *zlibError {
	var ce flate.CorruptInputError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return zUnexpectEOF
	case errors.Is(err, gzip.ErrChecksum), errors.Is(err, zlib.ErrChecksum):
		return errChecksum
	case errors.Is(err, gzip.ErrHeader), errors.Is(err, zlib.ErrHeader):
		return zDataError("incorrect header check")
	case errors.Is(err, zlib.ErrDictionary):
		return &zlibError{"Bad dictionary", 2, "Z_NEED_DICT"}
	case errors.As(err, &ce):
		return zDataError("invalid block type")
	}
	return zDataError("invalid stored block lengths")
}
