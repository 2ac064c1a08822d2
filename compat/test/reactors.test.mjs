// Reactors through client.reactors: create, get, list, update, patch,
// delete, react (with detokenized args), react-async and its results, and
// the reactor error classes with their statuses. Reactor formulas (legacy)
// have no client in the SDK 5.x, so they go over raw HTTP with the same base
// URL and BT-API-KEY header, as does the one reactor call the SDK cannot
// make (creating a reactor from a formula: its create requires code).
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { BasisTheoryError } from "@basis-theory/node-sdk";
import { all, application, baseUrl, management, managementKey, rejectsWith, revealingApplication, unique } from "./helpers.mjs";

const sdk = "const sdk = require('@basis-theory/basis-theory-reactor-formulas-sdk-js');\n";

/** Reactor code whose function body is body. */
const reactorCode = (body) => `${sdk}module.exports = async function (req) {\n${body}\n};`;

let invoker; // a private application with reactor:invoke (and token:create, for tokenize)
let noInvoke; // a private application without it
let card; // a card token

before(async () => {
  let tokens;
  ({ client: tokens } = await revealingApplication());
  noInvoke = tokens;
  card = await tokens.tokens.create({
    type: "card",
    data: { number: "4242424242424242", expiration_month: 12, expiration_year: 2030 },
  });
  ({ client: invoker } = await application({ permissions: ["reactor:invoke", "token:create"] }));
});

/** Creates a reactor with the management key. */
function createReactor(name, body, configuration = { API_KEY: "config-value" }) {
  return management.reactors.create({ name: unique(name), code: reactorCode(body), configuration });
}

/** Calls the API over raw HTTP with the management key, for what the SDK lacks. */
async function raw(method, path, body) {
  const res = await fetch(baseUrl + path, {
    method,
    headers: { "BT-API-KEY": managementKey, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** Returns the error promise rejects with. */
async function failure(promise) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail("expected the call to fail");
}

describe("reactor CRUD", () => {
  test("create, get, list, update, patch, delete", async () => {
    const created = await createReactor("crud", "return { raw: { ok: true } };", { A: "1" });
    assert.ok(created.id);
    assert.ok(created.tenantId);
    assert.ok(created.name.startsWith("crud-"));
    assert.equal(created.code, reactorCode("return { raw: { ok: true } };"));
    assert.deepEqual(created.configuration, { A: "1" });
    assert.ok(created.createdAt instanceof Date, "created_at parses as a date");

    const read = await management.reactors.get(created.id);
    assert.equal(read.name, created.name);
    assert.deepEqual(read.configuration, { A: "1" });

    const other = await createReactor("crud-other", "return {};");
    const byName = await all(management.reactors.list({ name: created.name }));
    assert.deepEqual(byName.map((r) => r.id), [created.id]);
    const byIds = await all(management.reactors.list({ id: [created.id, other.id] }));
    assert.deepEqual(byIds.map((r) => r.id).sort(), [created.id, other.id].sort());
    const page = await management.reactors.list({ id: [created.id, other.id], size: 1 });
    assert.equal(page.data.length, 1);
    assert.equal(page.response.pagination.totalItems, 2);
    assert.equal(page.response.pagination.totalPages, 2);

    const updated = await management.reactors.update(created.id, {
      name: `${created.name}-v2`,
      code: reactorCode("return { raw: 'v2' };"),
      configuration: { B: "2" },
    });
    assert.equal(updated.name, `${created.name}-v2`);
    assert.deepEqual(updated.configuration, { B: "2" }, "PUT replaces the configuration");
    assert.ok(updated.modifiedAt instanceof Date);

    const patched = await management.reactors.patch(created.id, { name: `${created.name}-v3`, configuration: { C: "3" } });
    assert.equal(patched, undefined, "204, no body");
    const afterPatch = await management.reactors.get(created.id);
    assert.equal(afterPatch.name, `${created.name}-v3`);
    assert.deepEqual(afterPatch.configuration, { B: "2", C: "3" }, "a merge patch merges the configuration");
    assert.equal(afterPatch.code, reactorCode("return { raw: 'v2' };"), "and keeps what it leaves out");

    await management.reactors.delete(created.id);
    await rejectsWith(management.reactors.get(created.id), 404, "NotFoundError");
    await rejectsWith(management.reactors.delete(created.id), 404, "NotFoundError");
    await management.reactors.delete(other.id);
  });

  test("validation and permissions", async () => {
    const bad = await rejectsWith(management.reactors.create({ name: "", code: "module.exports = async () => ({})" }), 400, "BadRequestError");
    assert.ok(bad.body.errors.name);
    const broken = await rejectsWith(management.reactors.create({ name: unique("broken"), code: "module.exports = (" }), 422);
    assert.ok(broken.body.errors.code, "code that does not compile names the field");
    await rejectsWith(invoker.reactors.create({ name: unique("x"), code: "module.exports = async () => ({})" }), 403, "ForbiddenError");
    await rejectsWith(invoker.reactors.list(), 403, "ForbiddenError");
    await rejectsWith(management.reactors.get("00000000-0000-0000-0000-000000000000"), 404, "NotFoundError");
  });
});

describe("react", () => {
  let echo;

  before(async () => {
    echo = await createReactor(
      "echo",
      `return { raw: {
        number: req.args.number,
        card: req.args.card,
        whole: req.args.whole,
        data: req.args.data,
        plain: req.args.plain,
        key: req.configuration.API_KEY,
      } };`,
    );
  });

  test("detokenizes the args and returns raw", async () => {
    const res = await invoker.reactors.react(echo.id, {
      args: {
        number: `{{ token: ${card.id} | json: '$.data.number' }}`,
        card: `{{ token: ${card.id} | json: '$.data' }}`,
        whole: `{{ token: ${card.id} }}`,
        data: `{{ ${card.id} }}`,
        plain: "not a token",
      },
    });
    assert.equal(res.raw.number, "4242424242424242");
    assert.deepEqual(res.raw.card, { number: "4242424242424242", expiration_month: 12, expiration_year: 2030 });
    assert.equal(res.raw.whole.id, card.id);
    assert.equal(res.raw.whole.type, "card");
    assert.equal(res.raw.data.number, "4242424242424242");
    assert.equal(res.raw.plain, "not a token");
    assert.equal(res.raw.key, "config-value");
    assert.equal(res.tokens, undefined);
  });

  test("tokenizes what the reactor returns in tokenize", async () => {
    const r = await createReactor("tokenize", "return { raw: { ok: true }, tokenize: { secret: { type: 'token', data: req.args.secret } } };");
    const res = await invoker.reactors.react(r.id, { args: { secret: "from-the-reactor" } });
    assert.deepEqual(res.raw, { ok: true });
    assert.equal(res.tokens.secret.type, "token");
    const { client: reader } = await revealingApplication();
    assert.equal((await reader.tokens.get(res.tokens.secret.id)).data, "from-the-reactor");
  });

  test("without arguments", async () => {
    const res = await invoker.reactors.react(echo.id);
    assert.deepEqual(res.raw, { key: "config-value" });
  });

  test("permissions and unknown tokens", async () => {
    await rejectsWith(noInvoke.reactors.react(echo.id, { args: {} }), 403, "ForbiddenError");
    const { client: piiOnly } = await application({
      rules: [{ description: "pci", priority: 1, container: "/pii/", transform: "reveal", permissions: ["reactor:invoke"] }],
    });
    await rejectsWith(piiOnly.reactors.react(echo.id, { args: { number: `{{ ${card.id} }}` } }), 403, "ForbiddenError");
    await rejectsWith(
      invoker.reactors.react(echo.id, { args: { x: "{{ 00000000-0000-0000-0000-000000000000 }}" } }),
      400,
      "BadRequestError",
    );
    await rejectsWith(invoker.reactors.react("00000000-0000-0000-0000-000000000000", { args: {} }), 404, "NotFoundError");
  });
});

describe("reactor errors", () => {
  test("BadRequestError is a 400 with its errors", async () => {
    const r = await createReactor("bad-request", "throw new sdk.BadRequestError({ card: 'is invalid' });");
    const err = await rejectsWith(invoker.reactors.react(r.id, { args: {} }), 400, "BadRequestError");
    assert.equal(err.body.detail, "Bad Request");
    assert.deepEqual(err.body.errors, { card: ["is invalid"] });
  });

  test("every error class has its status", async () => {
    for (const [cls, status] of [
      ["AuthenticationError", 401],
      ["InvalidPaymentMethodError", 402],
      ["AuthorizationError", 403],
      ["RateLimitError", 429],
      ["ReactorRuntimeError", 500],
      ["ServiceUnavailableError", 503],
      ["InvalidReactorConfigurationError", 400],
    ]) {
      const r = await createReactor(cls, `throw new sdk.${cls}('from ${cls}');`);
      const err = await rejectsWith(invoker.reactors.react(r.id, { args: {} }), status);
      assert.deepEqual(err.body.errors, { error: [`from ${cls}`] }, cls);
    }
  });

  test("a thrown Error is a ReactorRuntimeError (500)", async () => {
    const r = await createReactor("thrower", "throw new Error('something broke');");
    const err = await rejectsWith(invoker.reactors.react(r.id, { args: {} }), 500);
    assert.equal(err.body.detail, "Reactor Runtime Error");
    assert.deepEqual(err.body.errors, { error: ["something broke"] });
  });

  test("CustomHttpResponseError passes through verbatim", async () => {
    const r = await createReactor(
      "custom",
      "throw new sdk.CustomHttpResponseError({ status: 422, headers: { 'X-Custom': 'custom-value' }, body: { declined: true, reason: 'nsf' } });",
    );
    const err = await failure(invoker.reactors.react(r.id, { args: {} }));
    assert.ok(err instanceof BasisTheoryError);
    assert.equal(err.statusCode, 422);
    assert.deepEqual(err.body, { declined: true, reason: "nsf" }, "the reactor's body, not a ProblemDetails");
    assert.equal(err.rawResponse.headers.get("x-custom"), "custom-value");
  });
});

describe("react-async", () => {
  /** Polls the result until it is no longer 202, and returns the last response. */
  async function result(reactorId, requestId) {
    for (let i = 0; i < 400; i++) {
      const { data, rawResponse } = await invoker.reactors.results.get(reactorId, requestId).withRawResponse();
      if (rawResponse.status !== 202) {
        return { status: rawResponse.status, data };
      }
      assert.equal(data.id, requestId);
      assert.ok(["pending", "running"].includes(data.status), data.status);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert.fail("the asynchronous invocation did not finish");
  }

  test("returns a request id whose result is the reactor's response", async () => {
    const r = await createReactor("async", "return { raw: { number: req.args.number, key: req.configuration.API_KEY } };");
    const accepted = await invoker.reactors.reactAsync(r.id, { args: { number: `{{ ${card.id} | json: '$.number' }}` } }).withRawResponse();
    assert.equal(accepted.rawResponse.status, 202);
    const requestId = accepted.data.asyncReactorRequestId;
    assert.match(requestId, /^[0-9a-f-]{36}$/);

    const done = await result(r.id, requestId);
    assert.equal(done.status, 200);
    assert.deepEqual(done.data, { raw: { number: "4242424242424242", key: "config-value" } });

    const { client: other } = await application({ permissions: ["reactor:invoke"] });
    await rejectsWith(other.reactors.results.get(r.id, requestId), 404, "NotFoundError");
  });

  test("a failed invocation's result is its error", async () => {
    const r = await createReactor("async-bad", "throw new sdk.BadRequestError({ amount: 'too large' });");
    const { asyncReactorRequestId } = await invoker.reactors.reactAsync(r.id, { args: {} });
    const err = await failure(result(r.id, asyncReactorRequestId));
    assert.ok(err instanceof BasisTheoryError);
    assert.equal(err.statusCode, 400);
    assert.deepEqual(err.body.errors, { amount: ["too large"] });
  });

  test("access is checked when invoked", async () => {
    const r = await createReactor("async-denied", "return {};");
    await rejectsWith(noInvoke.reactors.reactAsync(r.id, { args: {} }), 403, "ForbiddenError");
  });
});

describe("reactor formulas", () => {
  test("CRUD, and a reactor made from one", async () => {
    const name = unique("formula");
    const created = await raw("POST", "/reactor-formulas", {
      name,
      type: "private",
      description: "charges a card",
      code: reactorCode("return { raw: { last4: req.args.card.number.slice(-4), key: req.configuration.API_KEY } };"),
      configuration: [{ name: "API_KEY", type: "string" }],
      request_parameters: [{ name: "card.number", type: "string" }],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const formula = created.body;
    assert.equal(formula.name, name);
    assert.deepEqual(formula.request_parameters, [{ name: "card.number", type: "string", optional: false }]);

    const listed = await raw("GET", `/reactor-formulas?name=${encodeURIComponent(name)}`);
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body.data.map((f) => f.id), [formula.id]);
    assert.equal(listed.body.pagination.total_items, 1);

    const made = await raw("POST", "/reactors", { name: unique("from-formula"), formula: { id: formula.id }, configuration: { API_KEY: "f-key" } });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const reactor = await management.reactors.get(made.body.id);
    assert.equal(reactor.formula.id, formula.id);

    const res = await invoker.reactors.react(reactor.id, { args: { card: `{{ ${card.id} }}` } });
    assert.deepEqual(res.raw, { last4: "4242", key: "f-key" });
    const missing = await rejectsWith(invoker.reactors.react(reactor.id, { args: {} }), 400, "BadRequestError");
    assert.ok(missing.body.errors["args.card.number"], "request_parameters are checked");

    const updated = await raw("PUT", `/reactor-formulas/${formula.id}`, { name: `${name}-v2`, type: "private", code: reactorCode("return { raw: 'v2' };") });
    assert.equal(updated.status, 200);
    assert.equal((await invoker.reactors.react(reactor.id, { args: {} })).raw, "v2", "its reactors run the new code");

    assert.equal((await raw("DELETE", `/reactor-formulas/${formula.id}`)).status, 409, "in use");
    await management.reactors.delete(reactor.id);
    assert.equal((await raw("DELETE", `/reactor-formulas/${formula.id}`)).status, 204);
    assert.equal((await raw("GET", `/reactor-formulas/${formula.id}`)).status, 404);
  });
});
