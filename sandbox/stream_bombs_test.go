package sandbox_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault/sandbox"
)

// Hostile reactors against events and stream: what they make grow stops at
// the sandbox's limits, and what they make loop stops at the timeout.

func TestStreamQueuesAreBounded(t *testing.T) {
	s := newSandbox(t, sandbox.WithLimits(sandbox.Limits{Timeout: 10 * time.Second, MaxBufferSize: 1 << 18, MaxArrayLength: 1 << 12}))
	cases := map[string]string{
		"push without reading": `const { Readable } = require('stream');
			const r = new Readable({ read() {} });
			const chunk = Buffer.alloc(1 << 14);
			for (;;) r.push(chunk);`,
		"push objects without reading": `const { Readable } = require('stream');
			const r = new Readable({ objectMode: true, read() {} });
			for (;;) r.push({});`,
		"unshift without reading": `const { Readable } = require('stream');
			const r = new Readable({ read() {} });
			const chunk = 'x'.repeat(1024);
			for (;;) r.unshift(chunk);`,
		"write without a callback": `const { Writable } = require('stream');
			const w = new Writable({ write() {} });
			const chunk = 'x'.repeat(1024);
			for (;;) w.write(chunk);`,
		"write corked": `const { Writable } = require('stream');
			const w = new Writable({ objectMode: true, write(c, e, cb) { cb(); } });
			w.cork();
			for (;;) w.write(1);`,
		"transform nobody reads": `const { PassThrough } = require('stream');
			const p = new PassThrough();
			for (;;) p.write(Buffer.alloc(1 << 14));`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			got := runRaw(t, s, `module.exports = async () => { try { `+body+` } catch (e) { return { raw: [e.name, e.message] }; } }`, sandbox.Request{})
			assert.Equal(t, []any{"RangeError", "Array buffer allocation failed"}, got)
		})
	}
}

func TestEventsAndStreamsHostile(t *testing.T) {
	s := newSandbox(t, sandbox.WithLimits(sandbox.Limits{Timeout: 2 * time.Second, MaxArrayLength: 1 << 12}))
	cases := map[string]string{
		// Listeners are an array: they stop at MaxArrayLength.
		"listener bomb": `const e = new (require('events'))(); const f = () => {}; for (;;) e.on('x', f);`,
		// Each listener re-emits: the call stack limit ends it.
		"re-entrant emit": `const e = new (require('events'))(); e.on('x', () => e.emit('x')); e.emit('x');`,
		// A stream piped into itself loops through microtasks forever.
		"self pipe": `const { PassThrough } = require('stream'); const p = new PassThrough(); p.pipe(p); p.write('x'); await new Promise(() => setInterval(() => {}, 1000));`,
		// events.on queues what nobody reads.
		"events.on queue": `const { on, EventEmitter } = require('events'); const e = new EventEmitter(); const it = on(e, 'x'); for (;;) e.emit('x', 1);`,
		// A tick that schedules itself forever.
		"readable storm": `const { Readable } = require('stream'); const r = new Readable({ read() { this.push('x'); } }); r.on('data', () => {}); await new Promise(() => {});`,
		// Tampered intrinsics before the modules load.
		"tampered prototypes": `Array.prototype.push = function () { throw new Error('no push'); };
			Object.defineProperty(Object.prototype, '_events', { get() { throw new Error('no events'); }, configurable: true });
			const { Readable } = require('stream'); const r = Readable.from([1, 2]); r.on('data', () => {});`,
		// Requests nobody allowed, in a loop: each fails alone, the loop ends at the timeout.
		"request loop": `const http = require('http'); for (;;) { const r = http.request('http://nowhere.test/'); r.on('error', () => {}); r.end(); }`,
		// A request body past MaxHTTPBody destroys the request; what follows is refused.
		"request body bomb": `const r = require('http').request('http://nowhere.test/', { method: 'POST' }); r.on('error', () => {}); const c = 'x'.repeat(1 << 16); for (;;) r.write(c);`,
		// Headers on a request that is never sent.
		"header bomb":     `const r = require('http').request('http://nowhere.test/'); r.on('error', () => {}); for (let i = 0; ; i++) r.setHeader('x' + i, 'v');`,
		"tampered Symbol": `Symbol.asyncIterator = 'x'; const { Readable } = require('stream'); new Readable().read();`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			p, err := s.Compile(`module.exports = async () => { ` + body + ` }`)
			require.NoError(t, err)
			start := time.Now()
			_, err = s.Run(context.Background(), p, sandbox.Request{})
			elapsed := time.Since(start)
			t.Logf("%s: %v after %s", name, err, elapsed.Round(time.Millisecond))
			require.Error(t, err)
			assert.Less(t, elapsed, 3500*time.Millisecond, "bounded by the timeout (2 s) and the kill grace")
		})
	}
}

// TestStreamRequireIsPerInvocation: what one invocation does to the stream
// and events modules is not seen by the next.
func TestStreamRequireIsPerInvocation(t *testing.T) {
	s := newSandbox(t)
	code := `module.exports = async () => {
		const stream = require('stream');
		const seen = stream.polluted;
		stream.polluted = 1;
		require('events').prototype.polluted = 1;
		return { raw: [seen === undefined, require('node:stream') === stream, require('stream/promises') === stream.promises, require('events').prototype.polluted] };
	}`
	for range 2 {
		assert.Equal(t, []any{true, true, true, float64(1)}, runRaw(t, s, code, sandbox.Request{}))
	}
}
