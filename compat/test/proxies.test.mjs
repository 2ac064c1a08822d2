// Pre-configured proxies through client.proxies (create, get, list,
// update, patch, delete), and proxy calls over raw HTTP (the SDK 5.x has no
// proxy client): the ephemeral proxy and a pre-configured one forward to a
// local destination (vaultd runs with --allow-host 127.0.0.1) with the
// body's token expressions detokenized.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, describe, test } from "node:test";
import { all, application, baseUrl, management, rejectsWith, revealingApplication, unique } from "./helpers.mjs";

let destination; // a local HTTP server that echoes what it received
let destinationUrl;
let invokerKey; // a private application with proxy:invoke
let card;

before(async () => {
  destination = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      res.setHeader("Content-Type", "application/json");
      res.end(JSON.stringify({ method: req.method, url: req.url, body, auth: req.headers["authorization"] ?? null, apiKey: req.headers["bt-api-key"] ?? null }));
    });
  });
  await new Promise((resolve) => destination.listen(0, "127.0.0.1", resolve));
  destinationUrl = `http://127.0.0.1:${destination.address().port}`;
  const { client: tokens } = await revealingApplication();
  card = await tokens.tokens.create({ type: "card", data: { number: "4242424242424242", expiration_month: 12, expiration_year: 2030 } });
  ({ key: invokerKey } = await application({ permissions: ["proxy:invoke"] }));
});

after(() => destination.close());

/** Sends a request to the vault's /proxy with the invoker's key. */
async function proxy(path, headers, body) {
  const res = await fetch(baseUrl + "/proxy" + path, {
    method: "POST",
    headers: { "BT-API-KEY": invokerKey, "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

describe("proxy CRUD", () => {
  test("create, get, list, update, patch, delete", async () => {
    const created = await management.proxies.create({
      name: unique("crud"),
      destinationUrl: destinationUrl + "/in",
      requireAuth: false,
      configuration: { SECRET: "s" },
      responseTransforms: [{ type: "append_header", options: { value: "yes", location: "X-Seen" } }],
    });
    assert.ok(created.id);
    assert.ok(created.key, "the key is shown on create");
    assert.equal(created.requireAuth, false);
    assert.deepEqual(created.configuration, { SECRET: "s" });
    assert.equal(created.responseTransforms[0].type, "append_header");
    assert.ok(created.createdAt instanceof Date);

    const read = await management.proxies.get(created.id);
    assert.equal(read.key, undefined, "the key is not shown again");
    assert.equal(read.destinationUrl, destinationUrl + "/in");
    const listed = await all(management.proxies.list({ name: created.name }));
    assert.deepEqual(listed.map((p) => p.id), [created.id]);

    const updated = await management.proxies.update(created.id, { name: `${created.name}-v2`, destinationUrl: destinationUrl + "/v2" });
    assert.equal(updated.requireAuth, true, "PUT replaces: require_auth is back to its default");
    assert.deepEqual(updated.responseTransforms, []);
    assert.equal(await management.proxies.patch(created.id, { requireAuth: false }), undefined, "204, no body");
    const afterPatch = await management.proxies.get(created.id);
    assert.equal(afterPatch.requireAuth, false);
    assert.equal(afterPatch.name, `${created.name}-v2`, "a patch keeps what it leaves out");

    // The key, sent as a query parameter by an anonymous caller.
    const res = await fetch(`${baseUrl}/proxy/cb?bt-proxy-key=${created.key}&x=1`, { method: "POST", body: "{}" });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).url, "/v2/cb?x=1", "the key is not forwarded");

    await management.proxies.delete(created.id);
    await rejectsWith(management.proxies.get(created.id), 404, "NotFoundError");
  });

  test("validation and permissions", async () => {
    const bad = await rejectsWith(management.proxies.create({ name: unique("bad"), destinationUrl: "https://10.0.0.8/" }), 400, "BadRequestError");
    assert.ok(bad.body.errors.destination_url);
    const mask = await rejectsWith(
      management.proxies.create({ name: unique("mask"), destinationUrl, responseTransforms: [{ type: "mask", matcher: "regex", expression: "\\d+", replacement: "*" }] }),
      400,
    );
    assert.ok(mask.body.errors["response_transforms[0].expression"]);
    const { client: invoker } = await application({ permissions: ["proxy:invoke"] });
    await rejectsWith(invoker.proxies.create({ name: unique("x"), destinationUrl }), 403, "ForbiddenError");
  });
});

describe("proxy calls", () => {
  test("the ephemeral proxy detokenizes and forwards", async () => {
    const res = await proxy("/v1/charges?c=1", { "BT-PROXY-URL": destinationUrl + "/api", Authorization: "Bearer sk" },
      { card: `{{ ${card.id} | json: '$.number' }}` });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("bt-proxy-destination-status"), "200");
    assert.equal(res.body.url, "/api/v1/charges?c=1");
    assert.deepEqual(JSON.parse(res.body.body), { card: "4242424242424242" });
    assert.equal(res.body.auth, "Bearer sk");
    assert.equal(res.body.apiKey, null, "the vault's key is not forwarded");
  });

  test("the vault's errors are wrapped in proxy_error", async () => {
    const res = await proxy("", { "BT-PROXY-URL": "https://10.0.0.8" }, {});
    assert.equal(res.status, 400);
    assert.equal(res.body.proxy_error.status, 400);
    assert.ok(res.body.proxy_error.errors["BT-PROXY-URL"]);
  });

  test("a pre-configured proxy runs its transforms", async () => {
    const { app } = await application({ permissions: ["token:create"] });
    const p = await management.proxies.create({
      name: unique("transforms"),
      destinationUrl,
      application: { id: app.id },
      requestTransforms: [{ type: "code", code: "module.exports = async (req) => ({ body: { ...req.args.body, signed: true }, headers: req.args.headers });" }],
      responseTransforms: [{ type: "mask", matcher: "regex", expression: "(4242424242424242)", replacement: "X" }],
    });
    const res = await proxy("/x", { "BT-PROXY-KEY": p.key }, { card: `{{ ${card.id} | json: '$.number' }}` });
    assert.equal(res.status, 200);
    assert.ok(!JSON.stringify(res.body).includes("4242424242424242"), "the response is masked");
    assert.ok(res.body.body.includes('"signed":true'));
  });
});
